using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using static VitalTwin.Notification.Tests.SecuredNotification;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// Through the Notification host on the embedded Kafka: a patient's settings on the settings topic decide the alerts
/// raised from the twin's events, and the alert on the alerts topic says which setting decided it.
/// </summary>
public sealed class PersonalLimitAlertTests : IDisposable
{
    private const string Personalised = "patient-personal-limit", ByDefault = "patient-default-limits";

    private readonly ConsentNotification _kafka = new();

    [Fact]
    public async Task A_pulse_over_a_personal_high_limit_raises_a_personal_limit_alert_naming_the_setting_where_the_defaults_raise_none()
    {
        await using var notification = await _kafka.StartAsync($"test-notification-{Guid.NewGuid():N}");
        var now = notification.Clock.GetUtcNow();
        var expiresAt = now.AddHours(24);
        var settings = new PatientAlarmSettings { PatientId = Personalised, Version = 3, UpdatedAt = Timestamp.FromDateTimeOffset(now) };
        settings.Vitals.Add(new VitalAlarmSetting
        {
            Code = new VitalCode { Loinc = "8867-4" },
            HighLimit = 110,
            Provenance = new SettingProvenance
            {
                Reason = "Known tachyarrhythmia, watch closely",
                Author = "dr-lee",
                SetAt = Timestamp.FromDateTimeOffset(now),
                ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
            },
        });
        await notification.PublishSettingsAsync(settings);

        // One partition: the patient without settings is handled before the one with them.
        await notification.PublishPulseAsync(ByDefault, pulse: 115, pulseScore: 2, now);
        await notification.PublishPulseAsync(Personalised, pulse: 115, pulseScore: 2, now);
        await WaitUntilAsync(() => _kafka.AlertEvents().OfType<AlertRaised>().Any(a => a.PatientId == Personalised));

        var raised = Assert.Single(_kafka.AlertEvents().OfType<AlertRaised>());
        Assert.Equal(Personalised, raised.PatientId);
        Assert.Equal(AlertCondition.PersonalLimit, raised.Condition);
        Assert.Equal(AlertCondition.PersonalLimit, raised.Key.Condition);
        Assert.Equal(Direction.Up, raised.Key.Direction);
        var applied = Assert.Single(raised.PersonalSettings);
        Assert.Equal("8867-4", applied.Code.Loinc);
        Assert.Equal("Heart rate high limit 110 /min (default 131)", applied.Description);
        Assert.Equal("Known tachyarrhythmia, watch closely", applied.Reason);
        Assert.Equal("dr-lee", applied.Author);
        Assert.Equal(expiresAt, applied.ExpiresAt.ToDateTimeOffset());
        Assert.Empty(notification.AlertsOf(ByDefault));
    }

    public void Dispose() => _kafka.Dispose();
}
