#!/usr/bin/env python3
"""Seeds a running server for scripts/fuzz.sh and writes a schemathesis config that binds the seeded ids.

Without it schemathesis only ever sends ids it made up, so every route that reads, changes or deletes one record
answered 404 and its handler's logic was never fuzzed. The config binds each id parameter, and the ids and share
tokens in bodies that share, merge or accept, to the seeded values half of the time (a schemathesis dictionary); the
other half it still sends made-up ones. A route that deletes may remove a seeded record early, so each kind gets a
few.

Usage: scripts/fuzz-seed.py BASE_URL TOKEN OUT.toml
"""
import json
import sys
import urllib.request


def call(base, token, method, path, body):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def main():
    base, token, out = sys.argv[1:4]
    seeded = {name: [] for name in ["conversation_id", "folder_id", "task_id", "token", "action_item_id",
                                     "person_id", "message_id", "memory_id", "goal_id"]}
    for n in range(3):
        seeded["conversation_id"].append(call(base, token, "POST", "/v1/conversations/from-segments", {
            "transcript_segments": [{"text": f"Fuzz seed conversation {n}.", "start": 0, "end": 2}],
            "source": "desktop"})["id"])
        seeded["folder_id"].append(call(base, token, "POST", "/v1/folders", {"name": f"fuzz {n}"})["id"])
        seeded["task_id"].append(call(base, token, "POST", "/v1/staged-tasks",
                                      {"description": f"fuzz suggestion {n}", "relevance_score": 1})["id"])
        item = call(base, token, "POST", "/v1/action-items", {"description": f"fuzz task {n}"})["id"]
        seeded["action_item_id"].append(item)
        seeded["token"].append(call(base, token, "POST", "/v1/action-items/share", {"task_ids": [item]})["token"])
        message = call(base, token, "POST", "/v2/desktop/messages", {"text": f"fuzz {n}", "sender": "human"})["id"]
        seeded["message_id"].append(message)
        seeded["token"].append(call(base, token, "POST", "/v2/messages/share", {"message_ids": [message]})["token"])
        seeded["person_id"].append(call(base, token, "POST", "/v1/users/people", {"name": f"Fuzz {n}"})["id"])
        seeded["memory_id"].append(call(base, token, "POST", "/v3/memories", {"content": f"fuzz memory {n}"})["id"])
        seeded["goal_id"].append(call(base, token, "POST", "/v1/goals",
                                      {"title": f"fuzz goal {n}", "target_value": 3})["id"])
    lines = []
    for name, values in seeded.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for name in seeded:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    # Bodies that name records by id: sharing, merging, accepting.
    for key, name in [("message_ids[*]", "message_id"), ("task_ids[*]", "action_item_id"),
                      ("conversation_ids[*]", "conversation_id"), ("token", "token")]:
        lines.append(f'"body.{key}" = {{ dictionary = "{name}", probability = 0.5 }}')
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"== seeded {sum(len(v) for v in seeded.values())} records for {len(seeded)} id parameters")


if __name__ == "__main__":
    main()
