"""The checks of scripts/contract_check.py, one module per part of the contract."""
