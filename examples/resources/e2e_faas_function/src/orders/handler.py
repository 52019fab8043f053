import json
import os


def handle(event, context):
    level = os.environ.get("LOG_LEVEL", "INFO")
    return {"statusCode": 200, "body": json.dumps({"orders": [], "log_level": level})}
