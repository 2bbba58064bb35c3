import pytest

# The browser tests' page that records console errors, for the admin's browser tests here.
from tests.public.test_browser import watched_page  # noqa: F401


@pytest.fixture
def quick_password_hashing(settings):
    """For tests that check many passwords: the strength of the hash is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
