"""Server addresses: what is accepted, what is refused, and the privacy notice."""

import pytest

from assistant.core.model.remote.address import check_server_url, origin, privacy_notice, root_url


@pytest.mark.parametrize(("typed", "url"), [
    ("https://gpu.school.example/v1/", "https://gpu.school.example/v1"),
    ("https://gpu.school.example", "https://gpu.school.example/v1"),
    ("localhost:8000", "http://localhost:8000/v1"),
    ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
    ("http://[::1]:8000", "http://[::1]:8000/v1"),
])
def test_addresses_are_normalised(typed, url):
    assert check_server_url(typed) == url


@pytest.mark.parametrize(("typed", "why"), [
    ("", "No server address"),
    ("http://gpu.school.example/v1", "plain http"),
    ("ftp://gpu.school.example", "must start with https://"),
    ("https://user:pw@gpu.school.example", "API key field"),
    ("https://gpu.school.example:port", "not a number"),
])
def test_bad_or_unsafe_addresses_are_refused_in_one_sentence(typed, why):
    with pytest.raises(ValueError, match=why):
        check_server_url(typed)


def test_plain_http_to_another_computer_only_when_the_user_allows_it():
    assert check_server_url("http://10.0.0.5:8000", allow_http=True) == "http://10.0.0.5:8000/v1"


def test_the_notice_names_where_images_go():
    notice = privacy_notice("https://gpu.school.example/v1")
    assert "sent to the model server at https://gpu.school.example/v1 (gpu.school.example)" in notice
    assert "this computer" in privacy_notice("http://127.0.0.1:8000/v1")


def test_the_key_is_per_server_and_tokenize_lives_at_the_root():
    assert origin("https://gpu.example:8443/v1") == "https://gpu.example:8443"
    assert root_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000"
