"""The risk lab (`ape run simulate`, docs/simulate.md): replay price paths through the
real contracts on a local anvil, with a population of traders in isolated buckets, cross
accounts or both, the real liquidator bot (scripts/_bot.py) liquidating each step, and a
report of what each margin mode and each risk parameter did.

Modules:
- ``chain``: a private anvil (no ``--steps-tracing``), a counting JSON-RPC client, batched
  transactions with automine off, snapshots.
- ``paths``: price paths (calm random walks, a gap crash, a correlated drawdown, a CSV).
- ``population``: traders, their strategies and how each mode holds them.
- ``lab``: deploys, opens the population, steps through a path with the bot, reads results.
- ``variants``: a MarketRegistry compiled with another close factor (a local what-if).
- ``report``: metrics, the Markdown/JSON report, plots and the terminal table.
"""
