from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        # Telephony tells campaigns that a call ended through the listener registered here.
        from betool.finance_labels import call_campaigns_register, campaign_calls_sql_register
        from campaigns.selectors import campaign_calls_sql, campaigns_by_call_source
        from campaigns.services import campaign_call_ended
        from telephony.calls.end_hooks import call_end_listener_register

        call_end_listener_register(campaign_call_ended)
        # Finance groups costs by campaign through this lookup.
        call_campaigns_register(campaigns_by_call_source)
        campaign_calls_sql_register(campaign_calls_sql)
