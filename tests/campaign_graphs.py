"""A pipeline graph the campaigns tests call contacts with."""

# A reminder whose greeting reads two call-start variables, the contact's first name and
# appointment; "unused" is declared too but no template reads it, so contacts need not give it.
REMINDER_GRAPH = {
    "schema_version": 1,
    "nodes": [
        {
            "id": "start",
            "type": "start",
            "position": {"x": 0, "y": 0},
            "data": {
                "config": {
                    "receiver": "phone_gateway",
                    "greeting": "Hello {{ first_name }}, about {{ variables.appointment }}.",
                }
            },
        }
    ],
    "edges": [],
    "settings": {"input_variables": ["first_name", "appointment", "unused"]},
}
