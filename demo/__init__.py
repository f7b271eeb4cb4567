"""The demo office: two units with their desks, officers, periods and a few thousand past
responses, so that a newcomer sees a living system (`make run` loads it on an empty database)."""
