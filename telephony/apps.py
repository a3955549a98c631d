from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "telephony"

    def ready(self) -> None:
        # The layers below know numbers, callers and where chat tests are recorded only
        # through what telephony registers here.
        from betool.finance_labels import caller_numbers_register
        from pipelines.chat_tests import register_chat_test_recorder
        from pipelines.flow_tests.by_voice import register_voice_player
        from pipelines.number_routes import numbers_lookup_register
        from telephony.selectors import caller_numbers_by_source, numbers_by_pipeline
        from telephony.test_calls.chat import CallHistoryChatRecorder
        from telephony.test_calls.flow_voice import LiveKitVoicePlayer

        numbers_lookup_register(numbers_by_pipeline)
        caller_numbers_register(caller_numbers_by_source)
        register_chat_test_recorder(CallHistoryChatRecorder())
        register_voice_player(LiveKitVoicePlayer())
