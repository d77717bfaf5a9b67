//! Request bytes -> core inputs. Undecodable bytes are InvalidArgument("", "malformed request:
//! ..."); enum values outside the proto's range are InvalidArgument naming the field. No domain
//! validation here: the core does it.

use prost::Message;
use pyengine_core::draft::{Draft, DraftLine, MemberContext, WalletCoupon};
use pyengine_core::types::{Channel, Fulfillment};
use pyengine_core::EngineError;

use crate::pb;

pub fn message<M: Message + Default>(bytes: &[u8]) -> Result<M, EngineError> {
    M::decode(bytes).map_err(|e| EngineError::invalid("", format!("malformed request: {e}")))
}

fn channel(value: i32) -> Result<Option<Channel>, EngineError> {
    let c = pb::Channel::try_from(value)
        .map_err(|_| EngineError::invalid("order.channel", format!("unknown channel value {value}")))?;
    Ok(match c {
        pb::Channel::Unspecified => None,
        pb::Channel::Counter => Some(Channel::Counter),
        pb::Channel::Kiosk => Some(Channel::Kiosk),
        pb::Channel::TableQr => Some(Channel::TableQr),
        pb::Channel::MiniProgram => Some(Channel::MiniProgram),
        pb::Channel::Meituan => Some(Channel::Meituan),
        pb::Channel::Eleme => Some(Channel::Eleme),
        pb::Channel::OtherDelivery => Some(Channel::OtherDelivery),
    })
}

fn fulfillment(value: i32) -> Result<Option<Fulfillment>, EngineError> {
    let f = pb::Fulfillment::try_from(value).map_err(|_| {
        EngineError::invalid("order.fulfillment", format!("unknown fulfillment value {value}"))
    })?;
    Ok(match f {
        pb::Fulfillment::Unspecified => None,
        pb::Fulfillment::Asap => Some(Fulfillment::Asap),
        pb::Fulfillment::PickupAt => Some(Fulfillment::PickupAt),
        pb::Fulfillment::Delivery => Some(Fulfillment::Delivery),
    })
}

/// The draft of a QuoteOrder/SubmitOrder request; `None` when `order` is missing.
pub fn draft(order: Option<pb::OrderDraft>) -> Result<Option<Draft>, EngineError> {
    let Some(o) = order else { return Ok(None) };
    Ok(Some(Draft {
        store_id: o.store_id,
        channel: channel(o.channel)?,
        channel_order_id: o.channel_order_id,
        lines: o
            .lines
            .into_iter()
            .map(|l| DraftLine { sku: l.sku, quantity: l.quantity, modifiers: l.modifiers, note: l.note })
            .collect(),
        fulfillment: fulfillment(o.fulfillment)?,
        target_time_ms: o.target_time_ms,
        member_id: o.member_id,
        customer_note: o.customer_note,
        delivery_zone: o.delivery_zone,
        member: o.member.map(member).unwrap_or_default(),
        points_to_redeem: o.points_to_redeem,
    }))
}

fn member(m: pb::MemberContext) -> MemberContext {
    MemberContext {
        tier: m.tier,
        first_order: m.first_order,
        wallet: m
            .wallet
            .into_iter()
            .map(|c| WalletCoupon {
                coupon_id: c.coupon_id,
                promotion_id: c.promotion_id,
                valid_from_ms: c.valid_from_ms,
                valid_to_ms: c.valid_to_ms,
            })
            .collect(),
        points_balance: m.points_balance,
    }
}
