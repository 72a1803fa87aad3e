//! The part of rule.go the splitting of a request needs: the Target bits
//! that say where a value came from, and the `where` of each value, the
//! place a match reports.

use std::ops::BitOr;

/// Target says where an inspected value came from (rule.go's Target): one
/// bit per place, so that a rule's places are a mask.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Target(pub u16);

impl Target {
    pub const PATH: Target = Target(1 << 0);
    pub const ARG_NAME: Target = Target(1 << 1);
    pub const ARG_VALUE: Target = Target(1 << 2);
    pub const COOKIE_NAME: Target = Target(1 << 3);
    pub const COOKIE_VALUE: Target = Target(1 << 4);
    pub const HEADER: Target = Target(1 << 5);
    pub const USER_AGENT: Target = Target(1 << 6);
    pub const REFERER: Target = Target(1 << 7);
    pub const BODY: Target = Target(1 << 8);
    pub const FILENAME: Target = Target(1 << 9);

    /// The values an application reads as input (tArgs).
    pub const ARGS: Target = Target(
        Self::ARG_NAME.0
            | Self::ARG_VALUE.0
            | Self::COOKIE_NAME.0
            | Self::COOKIE_VALUE.0
            | Self::BODY.0,
    );
    /// Every place: the arguments, every header and the path (tAll).
    pub const ALL: Target = Target(
        Self::ARGS.0
            | Self::PATH.0
            | Self::HEADER.0
            | Self::USER_AGENT.0
            | Self::REFERER.0
            | Self::FILENAME.0,
    );
    /// Every place but the path, which holds slashes and dots for honest
    /// reasons (tNoPath).
    pub const NO_PATH: Target = Target(Self::ALL.0 & !Self::PATH.0);

    /// Whether the two masks share a place.
    pub fn intersects(self, other: Target) -> bool {
        self.0 & other.0 != 0
    }
}

impl BitOr for Target {
    type Output = Target;
    fn bitor(self, rhs: Target) -> Target {
        Target(self.0 | rhs.0)
    }
}

/// The kind of place a value or a protocol check reports: the first part
/// of Go's `where{kind, name}`, which a match joins with the name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Path,
    ArgName,
    Arg,
    Header,
    UserAgent,
    Referer,
    File,
    Cookie,
    Body,
    Xml,
    /// The request line, where the method check reports.
    Request,
}

impl Kind {
    /// The text Go's where.kind holds for this kind.
    pub fn prefix(self) -> &'static [u8] {
        match self {
            Kind::Path => b"path",
            Kind::ArgName => b"argname:",
            Kind::Arg => b"arg:",
            Kind::Header => b"header:",
            Kind::UserAgent => b"header:User-Agent",
            Kind::Referer => b"header:Referer",
            Kind::File => b"file:",
            Kind::Cookie => b"cookie:",
            Kind::Body => b"body",
            Kind::Xml => b"xml",
            Kind::Request => b"request",
        }
    }
}

/// Where names the place of a value (Go's `where`): joined into text
/// only when a rule matches, not for every value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Where<'a> {
    pub kind: Kind,
    pub name: &'a [u8],
}

impl<'a> Where<'a> {
    /// A place without a name of its own.
    pub fn of(kind: Kind) -> Where<'a> {
        Where { kind, name: b"" }
    }

    pub fn named(kind: Kind, name: &'a [u8]) -> Where<'a> {
        Where { kind, name }
    }

    /// Appends the place as Match.Where shows it: kind, then name.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.kind.prefix());
        out.extend_from_slice(self.name);
    }
}
