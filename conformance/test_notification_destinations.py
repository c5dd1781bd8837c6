"""Notification destinations through the official SDK: create, get, list across pages, update
(PATCH), delete for every config type; every secret part is write-only and reads back only as
its `*_set` flag; the config is shown to admins only; the type cannot change; not-found."""

import pytest
from databricks.sdk.errors import BadRequest, NotFound, PermissionDenied
from databricks.sdk.service import settings as st

from helpers import unique

SECRETS = ["hooks.slack.example", "C0SECRET", "xoxb-secret", "hooks.example.com", "hook-user",
           "hunter2-webhook-Pa55", "pd-key-123", "teams.example", "teams-app", "teams-secret"]

CONFIGS = {
    st.DestinationType.EMAIL: st.Config(email=st.EmailConfig(addresses=["ops@example.com"])),
    st.DestinationType.SLACK: st.Config(slack=st.SlackConfig(
        url="https://hooks.slack.example/x", channel_id="C0SECRET", oauth_token="xoxb-secret")),
    st.DestinationType.WEBHOOK: st.Config(generic_webhook=st.GenericWebhookConfig(
        url="https://hooks.example.com/in", username="hook-user", password="hunter2-webhook-Pa55")),
    st.DestinationType.PAGERDUTY: st.Config(pagerduty=st.PagerdutyConfig(integration_key="pd-key-123")),
    st.DestinationType.MICROSOFT_TEAMS: st.Config(microsoft_teams=st.MicrosoftTeamsConfig(
        url="https://teams.example/x", app_id="teams-app", auth_secret="teams-secret")),
}


def no_secret(obj) -> None:
    text = repr(obj.as_dict())
    for s in SECRETS:
        assert s not in text, f"{s} leaked in {text}"


@pytest.fixture(scope="module")
def created(w):
    out = {}
    for kind, config in CONFIGS.items():
        d = w.notification_destinations.create(display_name=unique(kind.value.lower()), config=config)
        no_secret(d)
        assert d.destination_type == kind
        out[kind] = d
    return out


def test_every_type_reads_back_flags_not_secrets(w, created):
    for kind, d in created.items():
        got = w.notification_destinations.get(d.id)
        no_secret(got)
        assert (got.id, got.display_name, got.destination_type) == (d.id, d.display_name, kind)
    get = lambda k: w.notification_destinations.get(created[k].id).config  # noqa: E731
    assert get(st.DestinationType.EMAIL).email.addresses == ["ops@example.com"]
    slack = get(st.DestinationType.SLACK).slack
    assert (slack.url, slack.url_set, slack.channel_id_set, slack.oauth_token_set) == (None, True, True, True)
    hook = get(st.DestinationType.WEBHOOK).generic_webhook
    assert (hook.password, hook.password_set, hook.username_set, hook.url_set) == (None, True, True, True)
    assert get(st.DestinationType.PAGERDUTY).pagerduty.integration_key_set is True
    teams = get(st.DestinationType.MICROSOFT_TEAMS).microsoft_teams
    assert (teams.url_set, teams.app_id_set, teams.auth_secret_set, teams.channel_url_set) == (True, True, True, False)


def test_list_pages(w, created, emu):
    before = emu.stats()["by_path"].get("/api/notification-destinations", 0)
    listed = list(w.notification_destinations.list(page_size=2))
    assert emu.stats()["by_path"]["/api/notification-destinations"] - before == 3, "5 items at 2 a page"
    assert [(d.id, d.display_name, d.destination_type) for d in listed] == [
        (d.id, d.display_name, d.destination_type) for d in created.values()
    ]


def test_update_keeps_secrets_and_refuses_another_type(w, created):
    hook = created[st.DestinationType.WEBHOOK]
    renamed = w.notification_destinations.update(hook.id, display_name=hook.display_name + "-renamed")
    assert renamed.display_name == hook.display_name + "-renamed"
    assert renamed.config.generic_webhook.password_set is True
    moved = w.notification_destinations.update(
        hook.id, config=st.Config(generic_webhook=st.GenericWebhookConfig(url="https://hooks.example.com/v2")))
    no_secret(moved)
    assert moved.config.generic_webhook.username_set is True
    with pytest.raises(BadRequest):
        w.notification_destinations.update(
            hook.id, config=st.Config(pagerduty=st.PagerdutyConfig(integration_key="pd-key-123")))
    assert w.notification_destinations.get(hook.id).destination_type == st.DestinationType.WEBHOOK


def test_admin_only_writes_and_config(w_user, created):
    hook = created[st.DestinationType.WEBHOOK]
    seen = w_user.notification_destinations.get(hook.id)
    assert seen.config is None and seen.destination_type == st.DestinationType.WEBHOOK
    with pytest.raises(PermissionDenied):
        w_user.notification_destinations.create(display_name=unique("no"), config=CONFIGS[st.DestinationType.EMAIL])
    with pytest.raises(PermissionDenied):
        w_user.notification_destinations.delete(hook.id)


def test_errors_and_delete(w):
    with pytest.raises(BadRequest):
        w.notification_destinations.create(display_name=unique("bad"), config=st.Config(
            slack=st.SlackConfig(url="u"), pagerduty=st.PagerdutyConfig(integration_key="k")))
    with pytest.raises(BadRequest):
        w.notification_destinations.create(display_name=unique("bad"), config=st.Config(slack=st.SlackConfig()))
    d = w.notification_destinations.create(display_name=unique("gone"), config=CONFIGS[st.DestinationType.EMAIL])
    w.notification_destinations.delete(d.id)
    with pytest.raises(NotFound):
        w.notification_destinations.get(d.id)
    with pytest.raises(NotFound):
        w.notification_destinations.delete(d.id)
