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
        return NodeClient(
            member.member_id, self._channels.channel(member.endpoint), self._deadline_s
        )

    def client_for(self, member_id: str, endpoint: str) -> NodeClient:
        return NodeClient(member_id, self._channels.channel(endpoint), self._deadline_s)

    def close(self) -> None:
        self._channels.close()
