import pytest

from tracker.commitments.models import Commitment, Pillar

pytestmark = pytest.mark.django_db


def test_home_shows_all_nine_groups_and_the_headline_figures(summit, client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for pillar in Pillar.objects.all():
        assert pillar.name.replace("&", "&amp;") in html
        assert pillar.get_absolute_url() in html
    for figure in ("¥10 trillion", "500,000 people", "50,000 people", "Chandrayaan-5"):
        assert figure in html, figure
    assert '<h2 id="latest-title">Latest evidence</h2>' in html
    assert "Latest milestones" not in html
    assert ">Meetings &amp; agreements</a>" in html


def test_every_commitment_is_listed_on_its_pillar_page(summit, client):
    for pillar in Pillar.objects.all():
        html = client.get(pillar.get_absolute_url()).content.decode()
        for commitment in Commitment.objects.filter(pillar=pillar):
            assert commitment.get_absolute_url() in html
