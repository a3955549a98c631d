from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"

    def ready(self) -> None:
        # Finance (in the core) names pipelines through this lookup.
        from betool.finance_labels import pipeline_names_register
        from pipelines.selectors import pipeline_names_by_id

        pipeline_names_register(pipeline_names_by_id)
