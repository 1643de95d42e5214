//! Late answers are not errors.

use super::*;

// ---- Late answers are not errors

#[test]
fn late_and_doubled_answers_are_handled_late_and_change_nothing() {
    let mut world = World::new(config());
    world.request(1);
    let before = world.machine.clone();
    let again = Event::StorageRead {
        id: EffectId(0),
        value: None,
    };
    assert_eq!(
        world.machine.handle(again, world.now),
        Ok(Handled::Late),
        "a doubled answer"
    );
    let late = Event::CodeObtained {
        id: EffectId(1),
        result: Err(WxFailure::new("login:fail")),
    };
    assert_eq!(world.machine.handle(late, world.now), Ok(Handled::Late));
    assert_eq!(world.machine, before);
    assert_eq!(world.machine.poll_command(), None);
    // An id never given out is still the driver's mistake where the state expects its kind.
    let mut idle = World::new(config());
    idle.storage_silent = true;
    idle.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    let unknown = Event::StorageRead {
        id: EffectId(99),
        value: None,
    };
    assert!(matches!(
        idle.machine.handle(unknown, idle.now),
        Err(LoginError::UnknownId { .. })
    ));
}
