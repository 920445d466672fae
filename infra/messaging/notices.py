"""Notices for integrations (`order.recorded`, `order.changed`, …), published by the relay.

On RabbitMQ they go to a durable topic exchange, `<queue prefix>.events`, routing key = the
topic, persistent, with publisher confirms: an integration binds its own queue to the topics
it wants and never misses one. In the embedded default they go to in-process subscribers.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any, Protocol

import pika

Subscriber = Callable[[str, dict[str, Any]], None]


class NoticePublisher(Protocol):
    def publish(self, topic: str, body: dict[str, Any], message_id: str) -> None: ...


class InProcessNotices:
    def __init__(self) -> None:
        self.subscribers: list[Subscriber] = []

    def publish(self, topic: str, body: dict[str, Any], message_id: str) -> None:
        for subscriber in self.subscribers:
            subscriber(topic, body)


class RabbitNotices:
    def __init__(self, url: str, exchange: str) -> None:
        self.parameters = pika.URLParameters(url)
        self.exchange = exchange
        self._local = threading.local()

    def _channel(self) -> Any:
        channel = getattr(self._local, "channel", None)
        if channel is None or channel.is_closed:
            connection = pika.BlockingConnection(self.parameters)
            channel = connection.channel()
            channel.confirm_delivery()
            channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
            self._local.connection, self._local.channel = connection, channel
        return channel

    def publish(self, topic: str, body: dict[str, Any], message_id: str) -> None:
        try:
            self._channel().basic_publish(
                self.exchange,
                topic,
                json.dumps(body).encode(),
                pika.BasicProperties(
                    content_type="application/json", delivery_mode=2, message_id=message_id
                ),
            )
        except Exception:
            self.close()  # a fresh connection next time
            raise

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.channel = self._local.connection = None
        if connection is not None and connection.is_open:
            with contextlib.suppress(Exception):  # already broken; nothing to save
                connection.close()
