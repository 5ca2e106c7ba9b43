"""EIP-170: the adapter's runtime code fits in 24,576 bytes."""

from __future__ import annotations

EIP170_LIMIT = 24_576  # bytes of runtime code (EIP-170)


def test_oracle_adapter__runtime_code_fits_eip170(project, deploy_oracle, chain):
    oracle = deploy_oracle()
    deployed = len(chain.provider.get_code(oracle.address))
    compiled = len(
        bytes(project.OracleAdapter.contract_type.runtime_bytecode.to_bytes())
    )
    assert deployed == compiled
    assert 0 < deployed <= EIP170_LIMIT
