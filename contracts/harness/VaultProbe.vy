# pragma version ~=0.4.3
"""
@title VaultProbe
@custom:contract-name VaultProbe
@license MIT
@notice TEST ONLY, never deployed by scripts (subfolder: not a deployable). Reads a REAL
        Vault's six ERC-4626 conversions for many amounts in one eth_call, for the
        differential tests of the share math (tests/differential).
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC4626

BATCH: constant(uint256) = 512


interface IVaultBooks:
    def debt_index() -> uint256: view
    def cash() -> uint256: view
    def reserve() -> uint256: view
    def total_claims() -> uint256: view
    def total_debt_shares() -> uint256: view


struct Books:
    total_assets: uint256
    total_supply: uint256
    debt_index: uint256
    debt_shares: uint256
    cash: uint256
    reserve: uint256
    claims: uint256


struct Conversions:
    convert_to_shares: uint256
    convert_to_assets: uint256
    preview_deposit: uint256
    preview_mint: uint256
    preview_withdraw: uint256
    preview_redeem: uint256


@view
@external
def conversions(vault: IERC4626, amounts: DynArray[uint256, BATCH]) -> (Books, DynArray[Conversions, BATCH]):
    """
    @notice The vault's books, and each amount through every conversion of `vault` (the
            amount is read as assets by convertToShares, previewDeposit and previewWithdraw,
            as shares by the others), all in one call (the same block and time).
    """
    books: Books = Books(
        total_assets=staticcall vault.totalAssets(),
        total_supply=staticcall IERC20(vault.address).totalSupply(),
        debt_index=staticcall IVaultBooks(vault.address).debt_index(),
        debt_shares=staticcall IVaultBooks(vault.address).total_debt_shares(),
        cash=staticcall IVaultBooks(vault.address).cash(),
        reserve=staticcall IVaultBooks(vault.address).reserve(),
        claims=staticcall IVaultBooks(vault.address).total_claims(),
    )
    out: DynArray[Conversions, BATCH] = []
    for a: uint256 in amounts:
        out.append(
            Conversions(
                convert_to_shares=staticcall vault.convertToShares(a),
                convert_to_assets=staticcall vault.convertToAssets(a),
                preview_deposit=staticcall vault.previewDeposit(a),
                preview_mint=staticcall vault.previewMint(a),
                preview_withdraw=staticcall vault.previewWithdraw(a),
                preview_redeem=staticcall vault.previewRedeem(a),
            )
        )
    return books, out
