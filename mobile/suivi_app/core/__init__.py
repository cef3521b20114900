"""The patient app without its GUI: API client, local store, offline queue, questionnaires."""
