using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Dashboard.Clinical;
using static VitalTwin.Dashboard.Tests.Patient.Twins;

namespace VitalTwin.Dashboard.Tests.Patient;

public sealed class AlertTimelineTests
{
    [Fact]
    public void Each_alert_shows_every_step_of_its_life_with_who_and_when_newest_alert_first()
    {
        var older = Alert("a-1", Now.AddHours(-2), "e-1");
        older.State = AlertState.Resolved;
        older.EscalationLevel = 1;
        older.AcknowledgedBy = "Ann Nurse";
        older.AcknowledgedAt = At(Now.AddHours(-1));
        older.Resolution = Resolution.ByClinician;
        older.ResolvedBy = "Dr Bo";
        older.ResolvedAt = At(Now.AddMinutes(-30));
        var newer = Alert("a-2", Now.AddMinutes(-10), "e-2");
        newer.State = AlertState.Silenced;
        newer.SilencedBy = "Ann Nurse";
        newer.SilencedUntil = At(Now.AddMinutes(5));
        var escalated = Alert("a-3", Now.AddMinutes(-20), "e-3");
        escalated.State = AlertState.Escalated;
        escalated.EscalationLevel = 2;
        escalated.UpdatedAt = At(Now.AddMinutes(-12));

        var timeline = AlertTimeline.Of([older, newer, escalated]);

        Assert.Equal(["a-2", "a-3", "a-1"], timeline.Select(e => e.Alert.AlertId));
        Assert.Equal(
            [
                new AlertStep("Raised", "", Now.AddHours(-2).AddSeconds(2)),
                new AlertStep("Escalated to level 1", "", null),
                new AlertStep("Acknowledged", "Ann Nurse", Now.AddHours(-1)),
                new AlertStep("Resolved by a clinician", "Dr Bo", Now.AddMinutes(-30)),
            ],
            timeline[2].Steps);
        Assert.Equal(new AlertStep($"Silenced until {Display.Time(Now.AddMinutes(5))}", "Ann Nurse", null), timeline[0].Steps[^1]);
        Assert.Equal(new AlertStep("Escalated to level 2", "", Now.AddMinutes(-12)), timeline[1].Steps[^1]);
    }
}
