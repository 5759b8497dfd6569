"""The on-premises record's edit form (ONPREM-02): input parsing only; the rule is checked by
users_app.services.records."""
from django import forms


class OnPremisesUserForm(forms.Form):
    """ONPREM-02: the fields read from Active Directory at creation, edited by hand afterwards."""

    firstname = forms.CharField(label="First name", max_length=64, required=False)
    lastname = forms.CharField(label="Last name", max_length=64, required=False)
    address1_telephone1 = forms.CharField(label="Telephone number", max_length=64, required=False)
    homephone = forms.CharField(label="Home phone", max_length=50, required=False)
    internalemailaddress = forms.EmailField(label="E-mail", max_length=100, required=False)
    address1_city = forms.CharField(label="City", max_length=128, required=False)
    address1_stateorprovince = forms.CharField(label="State/province", max_length=128, required=False)

    @classmethod
    def initial_for(cls, record) -> dict:
        return {name: getattr(record, name) for name in cls.base_fields}
