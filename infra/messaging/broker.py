"""The broker, built from settings before any actor is declared on it.

RabbitMQ in production, with publisher confirms so a message counts as sent only once
RabbitMQ has it. In the embedded default, dramatiq's in-process broker, consumed by worker
threads inside `foyer serve`.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from infra.messaging.notices import InProcessNotices, RabbitNotices
from infra.messaging.watch import DependencyWatchMiddleware
from infra.settings import Settings


def build_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url.get_secret_value()
    broker: dramatiq.Broker
    broker = RabbitmqBroker(url=url, confirm_delivery=True) if url else StubBroker()
    broker.add_middleware(CurrentMessage())
    broker.add_middleware(DependencyWatchMiddleware())
    return broker


def broker_answers(broker: dramatiq.Broker, timeout: float = 2) -> bool:
    """Whether the broker can be reached now (the in-process one always can). Blocks for up
    to `timeout` seconds: call it from a thread, never the event loop."""
    if not isinstance(broker, RabbitmqBroker):
        return True
    try:
        import copy

        import pika

        # dramatiq keeps one set of parameters when built from a URL, a list otherwise.
        parameters = broker.parameters
        if isinstance(parameters, list):
            parameters = parameters[0]
        parameters = copy.deepcopy(parameters)
        # A stalled broker accepts the TCP connection and then says nothing: bound the whole
        # handshake, not only the socket's connect.
        parameters.connection_attempts = 1
        parameters.socket_timeout = parameters.stack_timeout = timeout
        parameters.blocked_connection_timeout = timeout
        connection = pika.BlockingConnection(parameters)
        connection.close()
        return True
    except Exception:
        return False


def build_notices(settings: Settings) -> InProcessNotices | RabbitNotices:
    url = settings.broker_url.get_secret_value()
    if url:
        return RabbitNotices(url, f"{settings.queue_prefix}.events")
    return InProcessNotices()
