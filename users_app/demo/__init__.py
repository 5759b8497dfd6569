"""The demo tenant: contoso.json (made by build_contoso.py) and seed.py, which loads it and gives
the sign-in accounts their passwords (the seed_demo command)."""
