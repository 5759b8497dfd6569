"""The parts of `manage.py bench`: a generated tenant of any size, the
floor, and the measured figures with their targets. Nothing here runs in the portal."""
