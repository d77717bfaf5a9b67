//! The closed vocabularies of the API (channels, fulfillment, statuses, ticket states, load
//! levels), mirroring the proto enums of `pyengine.v1` without depending on protobuf. Records
//! serialize them by name, so reordering variants never changes a log.

use serde::{Deserialize, Serialize};

/// Where an order came from. Together with `channel_order_id` it is the idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    Unspecified,
    Counter,
    Kiosk,
    TableQr,
    MiniProgram,
    Meituan,
    Eleme,
    OtherDelivery,
}

impl Channel {
    /// The proto enum's name without its prefix, as promotion conditions spell channels.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "UNSPECIFIED",
            Self::Counter => "COUNTER",
            Self::Kiosk => "KIOSK",
            Self::TableQr => "TABLE_QR",
            Self::MiniProgram => "MINI_PROGRAM",
            Self::Meituan => "MEITUAN",
            Self::Eleme => "ELEME",
            Self::OtherDelivery => "OTHER_DELIVERY",
        }
    }

    /// Delivery platforms get "D" pickup numbers, everything else "A".
    pub fn is_delivery_platform(self) -> bool {
        matches!(self, Self::Meituan | Self::Eleme | Self::OtherDelivery)
    }
}

/// How the customer receives the order. `Unspecified` is normalized to `Asap` on admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Fulfillment {
    Unspecified,
    Asap,
    PickupAt,
    Delivery,
}

impl Fulfillment {
    /// `Unspecified` means ASAP.
    #[must_use]
    pub fn normalized(self) -> Self {
        match self {
            Self::Unspecified => Self::Asap,
            other => other,
        }
    }

    /// Whether `target_time_ms` is required and meaningful.
    pub fn has_target(self) -> bool {
        matches!(self, Self::PickupAt | Self::Delivery)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Accepted,
    InProgress,
    Ready,
    Cancelled,
}

impl OrderStatus {
    /// Accepted or in progress: the kitchen still has work for it.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Accepted | Self::InProgress)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketState {
    /// An earlier station of the same order is not done yet.
    Waiting,
    /// On the station's screen, not started.
    Queued,
    Started,
    /// Bumped.
    Done,
    /// The order was cancelled.
    Void,
}

impl TicketState {
    /// Still work to plan: not done and not void.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Waiting | Self::Queued | Self::Started)
    }

    /// Visible on the station's screen.
    pub fn is_released(self) -> bool {
        matches!(self, Self::Queued | Self::Started)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Waiting => "WAITING",
            Self::Queued => "QUEUED",
            Self::Started => "STARTED",
            Self::Done => "DONE",
            Self::Void => "VOID",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketEventKind {
    Added,
    Started,
    Bumped,
    Recalled,
    Voided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LoadLevel {
    Normal,
    Busy,
    Rush,
    Overload,
}
