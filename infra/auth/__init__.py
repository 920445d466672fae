"""Who is calling: passwords, session tokens, API keys and the accounts that hold them."""
