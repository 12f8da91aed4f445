"""Clients for members' nodes, built from the member registry (revoked members get none)."""

from __future__ import annotations

from pool.adapters import orm
from pool.adapters.node_client import ChannelFactory, NodeClient


class NodeDirectory:
    def __init__(self, channels: ChannelFactory, deadline_s: float) -> None:
        self._channels = channels
        self._deadline_s = deadline_s

    def client(self, member: orm.Member) -> NodeClient:
        if not member.active:
            raise PermissionError(f"member {member.member_id} is revoked: it is not called")
        identity = member.cert_identity or member.member_id
        channel = self._channels.channel(member.endpoint, identity)
        return NodeClient(member.member_id, channel, self._deadline_s)

    def client_for(self, member_id: str, endpoint: str, cert_identity: str = "") -> NodeClient:
        channel = self._channels.channel(endpoint, cert_identity or member_id)
        return NodeClient(member_id, channel, self._deadline_s)

    def close(self) -> None:
        self._channels.close()
