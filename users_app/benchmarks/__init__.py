"""The parts of `manage.py bench` (issue #4 point 7): a generated tenant of any size, the
floor, and the measured figures with their targets. Nothing here runs in the portal."""
