//! How compiled code lets the host stop it: fuel and epochs. Both tiers
//! take their accounting from here, so a program consumes the same fuel and
//! is stopped at the same places whichever tier runs it.
//!
//! Fuel: each operator costs `fuel_cost` units (one per instruction that
//! does work, as Wasmtime counts). A tier adds up the costs of the
//! operators it translates and charges the sum to the store just before
//! each operator for which `charges_fuel` holds (control transfers and
//! calls), so the counter is exact whenever control leaves straight-line
//! code. A trap in the middle of straight-line code leaves the operators
//! before it in that stretch uncharged, in both tiers alike.
//!
//! Checks: at every function entry and every loop header (so every
//! unbounded path passes one), code traps when the fuel consumed has
//! reached the fuel given (`fuel_consumed >= 0`: the store keeps
//! `-remaining`), and calls the store's epoch handler when the engine's
//! epoch has reached the store's deadline.

use wasmparser::Operator;

/// Which interruption checks compiled code carries (from the engine's
/// configuration; a module is compiled for one engine).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Interrupts {
    /// `Config::consume_fuel`.
    pub(crate) fuel: bool,
    /// `Config::epoch_interruption`.
    pub(crate) epochs: bool,
}

impl Interrupts {
    /// Whether function entries and loop headers carry a check.
    pub(crate) fn any(self) -> bool {
        self.fuel || self.epochs
    }
}

/// The fuel one execution of `op` costs.
pub(crate) fn fuel_cost(op: &Operator<'_>) -> u64 {
    match op {
        // No code of their own: free, as in Wasmtime.
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

/// Whether the fuel owed so far (including `op`'s own cost) is charged
/// just before `op` runs: before every operator that leaves straight-line
/// code, and before calls, so that a callee's checks, a host function and
/// a loop header all see an exact counter.
pub(crate) fn charges_fuel(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_without_code_is_free_and_work_costs_one() {
        assert_eq!(fuel_cost(&Operator::Nop), 0);
        assert_eq!(fuel_cost(&Operator::End), 0);
        assert_eq!(fuel_cost(&Operator::I32Add), 1);
        assert_eq!(fuel_cost(&Operator::Call { function_index: 0 }), 1);
        assert!(charges_fuel(&Operator::End));
        assert!(!charges_fuel(&Operator::I32Add));
    }
}
