"""The consumer portal: a FastAPI application (server-rendered Jinja pages, REST API, OpenAPI docs)
over ``published/`` and the governance database. It never reads ``restricted/`` except to hand an
encrypted delivery to its recipient."""
