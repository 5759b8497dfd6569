"""The Power Platform admin API (BAP) subset: views.py (environments, addUser, addAppUser), shapes.py (JSON)."""
