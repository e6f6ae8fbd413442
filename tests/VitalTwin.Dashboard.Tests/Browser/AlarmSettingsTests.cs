using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.Clinical;
using VitalTwin.EndToEnd.Tests;
using static Microsoft.Playwright.Assertions;
using static VitalTwin.Dashboard.Tests.Browser.DashboardFixture;

namespace VitalTwin.Dashboard.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed partial class AlarmSettingsTests(DashboardFixture system)
{
    private const string Pulse = "8867-4";
    private const string Saturation = "59408-5";

    [Fact]
    public async Task A_limit_set_in_the_form_shows_in_force_with_its_author_and_expiry_and_its_record_is_on_the_settings_topic()
    {
        using var settingsTopic = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.PatientSettings);
        var patient = await system.AdmitAsync("settings", WardA, StableVitals);
        var page = await system.SignInAsync("Sol Setter", WardA);
        await using var session = page.Context;
        await page.GotoAsync(AccessTests.PatientPath(patient.PatientId));
        var pulseRow = page.Locator($"[data-testid=setting-row][data-vital='{Pulse}']");
        await Expect(pulseRow).ToHaveAttributeAsync("data-personal", "false");

        var pulseForm = page.Locator($"[data-testid=setting-form-vital][data-vital='{Pulse}']");
        await pulseForm.GetByLabel("High limit").FillAsync("140");
        await pulseForm.GetByLabel("Hold time").FillAsync("30");
        await page.GetByLabel("Reason (required").FillAsync("Known fast AF, rate-controlled");
        await page.GetByTestId("settings-save").ClickAsync();

        await Expect(page.GetByTestId("settings-saved")).ToContainTextAsync("version", new() { Timeout = (float)Patience.TotalMilliseconds });
        await Expect(pulseRow).ToHaveAttributeAsync("data-personal", "true");
        await Expect(pulseRow.GetByTestId("setting-high")).ToHaveTextAsync("140 /min");
        await Expect(pulseRow.GetByTestId("setting-author")).ToHaveTextAsync(SubjectOf("Sol Setter"));
        await Expect(pulseRow.GetByTestId("setting-reason")).ToHaveTextAsync("Known fast AF, rate-controlled");
        await Expect(pulseRow.GetByTestId("setting-expires")).ToHaveTextAsync(RelativeAndAbsoluteExpiry());
        var (record, _) = await settingsTopic.WaitForAsync(patient.PatientId, PatientAlarmSettings.Parser, s => s.Vitals.Any(v => v.Code.Loinc == Pulse), Patience);
        var pulse = record.Vitals.Single(v => v.Code.Loinc == Pulse);
        Assert.Equal((false, 140.0, 30.0), (pulse.HasLowLimit, pulse.HighLimit, pulse.HoldTime.ToTimeSpan().TotalSeconds));
        Assert.Equal((SubjectOf("Sol Setter"), "Known fast AF, rate-controlled"), (pulse.Provenance.Author, pulse.Provenance.Reason));
        // The page shows the expiry the service recorded: the default validity of 24 h from when it was set.
        Assert.Equal(TimeSpan.FromHours(24), pulse.Provenance.ExpiresAt.ToDateTimeOffset() - pulse.Provenance.SetAt.ToDateTimeOffset());
        await Expect(pulseRow.GetByTestId("setting-expires")).ToContainTextAsync(Display.Time(pulse.Provenance.ExpiresAt.ToDateTimeOffset()));
        await ScreenshotAsync(page.GetByTestId("settings-panel"), "alarm-settings");
    }

    [Fact]
    public async Task A_limit_beyond_the_bounds_shows_the_services_refusal_and_changes_nothing()
    {
        var patient = await system.AdmitAsync("settings-bound", WardA, StableVitals);
        var page = await system.SignInAsync("Bo Bound", WardA);
        await using var session = page.Context;
        await page.GotoAsync(AccessTests.PatientPath(patient.PatientId));

        var saturationForm = page.Locator($"[data-testid=setting-form-vital][data-vital='{Saturation}']");
        await saturationForm.GetByLabel("Low limit").FillAsync("80");
        await page.GetByLabel("Reason (required").FillAsync("Chronic hypoxaemia");
        await page.GetByTestId("settings-save").ClickAsync();

        // The service's own words, naming the bound (no SpO2 low limit under 85 %).
        await Expect(page.GetByTestId("settings-problem")).ToContainTextAsync("may not be under 85", new() { Timeout = (float)Patience.TotalMilliseconds });
        await Expect(page.Locator($"[data-testid=setting-row][data-vital='{Saturation}']")).ToHaveAttributeAsync("data-personal", "false");
        var twin = await system.Twins.GetTwinAsync(new GetTwinRequest { PatientId = patient.PatientId });
        Assert.True(twin.AlarmSettings is null || twin.AlarmSettings.Vitals.Count == 0, $"settings changed: {twin.AlarmSettings}");
    }

    [Fact]
    public async Task A_ward_a_clinician_sees_neither_the_settings_nor_a_form_to_change_them_for_a_ward_b_patient()
    {
        var patient = await system.AdmitAsync("settings-other-ward", WardB, StableVitals);
        const string Reason = "Ward B's own reason";
        var change = new AlarmSettingsChange();
        change.Set.Add(new VitalAlarmSetting { Code = new VitalCode { Loinc = Pulse }, HighLimit = 145 });
        await system.Twins.ChangeAlarmSettingsAsync(new ChangeAlarmSettingsRequest { PatientId = patient.PatientId, Change = change, Reason = Reason });
        await system.Twins.WaitForTwinAsync(patient.PatientId, t => t.AlarmSettings?.Vitals.Count == 1, Patience);
        var page = await system.SignInAsync("Wyn Ward", WardA);
        await using var session = page.Context;

        await page.GotoAsync(AccessTests.PatientPath(patient.PatientId));

        await Expect(page.GetByTestId("problem")).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByTestId("settings-panel").CountAsync());
        Assert.Equal(0, await page.GetByTestId("settings-form").CountAsync());
        Assert.DoesNotContain(Reason, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^in 2[34] h \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$")]
    private static partial Regex RelativeAndAbsoluteExpiry();
}
