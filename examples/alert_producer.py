#!/usr/bin/env python3
"""The book's alert producer (RabbitMQ in Action, chapter 4) on pika, speaking our wire agreement.

Publishes one alert to the durable topic exchange 'alerts' with publisher confirms, either as the
plain JSON object or, with --book-format, as the book's bare JSON string. Broker settings come from
the same environment variables the .NET services read (RabbitMq__Host, RabbitMq__Port, ...).

    alert_producer.py -r critical.rate_limit -m "Hacker at 10k req/s" [--source NAME] [--book-format]
"""
import argparse
import datetime
import json
import os
import sys
import uuid

import pika


def main() -> int:
    parser = argparse.ArgumentParser(description="Publish an alert to the 'alerts' topic exchange.")
    parser.add_argument("-r", "--routing-key", required=True, help="SEVERITY.TYPE, e.g. critical.rate_limit")
    parser.add_argument("-m", "--message", required=True, help="the alert text")
    parser.add_argument("--source", default="python-producer")
    parser.add_argument("--book-format", action="store_true", help="send the bare JSON string, as the book does")
    args = parser.parse_args()

    severity, _, alert_type = args.routing_key.partition(".")
    if args.book_format:
        body = args.message
    else:
        body = {
            "id": str(uuid.uuid4()),
            "severity": severity,
            "type": alert_type,
            "text": args.message,
            "source": args.source,
            "occurredAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        }

    parameters = pika.ConnectionParameters(
        host=os.environ.get("RabbitMq__Host", "localhost"),
        port=int(os.environ.get("RabbitMq__Port", "5672")),
        virtual_host=os.environ.get("RabbitMq__VirtualHost", "alerts"),
        credentials=pika.PlainCredentials(os.environ.get("RabbitMq__Username", "alert_user"), os.environ["RabbitMq__Password"]),
    )
    with pika.BlockingConnection(parameters) as connection:
        channel = connection.channel()
        # Same arguments the .NET services declare it with, so the declaration is a no-op when it exists.
        channel.exchange_declare(exchange="alerts", exchange_type="topic", durable=True, auto_delete=False)
        channel.confirm_delivery()
        channel.basic_publish(
            exchange="alerts",
            routing_key=args.routing_key,
            body=json.dumps(body),
            # delivery_mode 2: persistent, so the alert survives a broker restart.
            properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )
    print(f"sent {args.routing_key} {json.dumps(body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
