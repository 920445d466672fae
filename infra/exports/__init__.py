"""What every export shares: how a value becomes a spreadsheet cell or a CSV field."""
