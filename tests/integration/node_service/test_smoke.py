from node.service.api import ReservationState


def test_receive_reserve_confirm(pooled):
    shares, seq = pooled.service.pool_shares()
    assert shares[0].contributed_quantity == 30
    assert shares[0].free_quantity == 30
    view = pooled.reserve(10)
    assert view.state is ReservationState.PENDING
    assert view.lines[0].lots[0].lot_number == "L1"
    shares, seq2 = pooled.service.pool_shares()
    assert shares[0].free_quantity == 20 and seq2 > seq
    done = pooled.service.confirm(view.reservation_id)
    assert done.state is ReservationState.CONFIRMED
    assert pooled.service.reconcile().balanced, pooled.service.reconcile()
    positions = pooled.service.stock_positions()
    assert positions[0].quantity_on_hand == 90
