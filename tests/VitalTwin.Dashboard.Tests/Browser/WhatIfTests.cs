using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Playwright;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.Clinical;
using VitalTwin.EndToEnd.Tests;
using static Microsoft.Playwright.Assertions;
using static VitalTwin.Dashboard.Tests.Browser.DashboardFixture;

namespace VitalTwin.Dashboard.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class WhatIfTests(DashboardFixture system)
{
    private const string Respiration = "9279-1";
    private const string Pulse = "8867-4";
    private static readonly (double HeartRate, double Spo2, double RespiratoryRate, double Systolic, double Temperature) FastBreathing = StableVitals with { RespiratoryRate = 27 };

    [Fact]
    public async Task Simulate_replays_the_history_with_the_forms_proposal_and_shows_what_the_service_answers_with_the_disappearing_alerts_causes()
    {
        // Respiration 27 /min alone crosses the default alert limit (NEWS2 scores ≥ 25 as 3: a single-parameter alert
        // that no higher NEWS2 alert takes in); a personal high limit of 30 would not alert.
        var patient = await system.AdmitAsync("simulate", WardA, StableVitals);
        await system.SendAsync(patient, FastBreathing);
        await HistoryHoldsAsync(patient.PatientId, Respiration, FastBreathing.RespiratoryRate);
        var page = await system.SignInAsync("Sim Ulate", WardA);
        await using var session = page.Context;
        await page.GotoAsync(AccessTests.PatientPath(patient.PatientId));

        await page.Locator($"[data-testid=setting-form-vital][data-vital='{Respiration}']").GetByLabel("High limit").FillAsync("30");
        await page.GetByTestId("simulate-window").SelectOptionAsync("6");
        await page.GetByTestId("settings-simulate").ClickAsync();

        var simulation = page.GetByTestId("whatif-simulation");
        await Expect(simulation.GetByTestId("simulation-summary")).ToBeVisibleAsync(new() { Timeout = (float)Patience.TotalMilliseconds });
        var proposal = new AlarmSettingsChange();
        proposal.Set.Add(new VitalAlarmSetting { Code = new VitalCode { Loinc = Respiration }, HighLimit = 30 });
        var answer = await system.WhatIf.SimulateSettingsAsync(new SimulateSettingsRequest { PatientId = patient.PatientId, Proposed = proposal, Window = Duration.FromTimeSpan(TimeSpan.FromHours(6)) });
        Assert.True(answer.Disappeared.Count > 0, $"nothing would disappear: {answer}");
        await Expect(simulation.GetByTestId("simulation-current")).ToHaveTextAsync(answer.Current.Count.ToString(CultureInfo.InvariantCulture));
        await Expect(simulation.GetByTestId("simulation-proposed")).ToHaveTextAsync(answer.Proposed.Count.ToString(CultureInfo.InvariantCulture));
        var disappeared = simulation.Locator("table[data-testid=simulation-disappeared] [data-testid=simulated-alert]");
        await Expect(disappeared).ToHaveCountAsync(answer.Disappeared.Count);
        await Expect(disappeared.GetByTestId("simulated-cause").First).ToContainTextAsync("Respiration rate 27 /min");
        await Expect(page.GetByTestId("whatif-label")).ToHaveTextAsync(AlarmSettingsDisplay.DecisionSupport);
        await Expect(simulation.GetByTestId("simulation-warning")).ToHaveCountAsync(answer.Warnings.Count);
        await ScreenshotAsync(page.GetByTestId("whatif-panel"), "what-if-simulation");
    }

    [Fact]
    public async Task The_projection_shows_news2_over_the_horizon_as_the_service_projects_it()
    {
        var patient = await system.AdmitAsync("project", WardA, StableVitals);
        await system.SendAsync(patient, SickVitals);
        await system.Twins.WaitForTwinAsync(patient.PatientId, t => t.News2?.Total >= 7, Patience);
        var page = await system.SignInAsync("Pro Jection", WardA);
        await using var session = page.Context;
        await page.GotoAsync(AccessTests.PatientPath(patient.PatientId));

        var projection = page.GetByTestId("whatif-projection");
        await projection.GetByTestId("projection-horizon").SelectOptionAsync("1");
        await projection.Locator($"[data-testid=projection-adjustment][data-vital='{Pulse}']").GetByLabel("Trend").FillAsync("10");
        await projection.GetByTestId("projection-run").ClickAsync();

        var rows = projection.GetByTestId("projection-row");
        await Expect(rows.First).ToBeVisibleAsync(new() { Timeout = (float)Patience.TotalMilliseconds });
        var request = new ProjectRequest { PatientId = patient.PatientId, Horizon = Duration.FromTimeSpan(TimeSpan.FromHours(1)) };
        request.Adjustments.Add(new VitalAdjustment { Code = new VitalCode { Loinc = Pulse }, TrendPerHour = 10 });
        var answer = await system.WhatIf.ProjectAsync(request);
        Assert.NotEmpty(answer.News2);
        await Expect(rows).ToHaveCountAsync(answer.News2.Count);
        await Expect(rows.Last.GetByTestId("projection-total")).ToHaveTextAsync(answer.News2[^1].Total.ToString(CultureInfo.InvariantCulture));
        await Expect(projection.GetByTestId("projection-reach")).ToHaveTextAsync(ProjectionDisplay.Reach(answer));
        await Expect(projection.GetByTestId("projection-disclaimer")).ToHaveTextAsync(answer.Disclaimer);
        await ScreenshotAsync(page.GetByTestId("whatif-panel"), "what-if-projection");
    }

    // The replay reads the recorded history: the sick readings must be in it before the simulation is asked for.
    private Task HistoryHoldsAsync(string patientId, string loinc, double value) =>
        Polling.UntilAsync(
            token => system.Twins.GetVitalHistoryAsync(
                new GetVitalHistoryRequest { PatientId = patientId, From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)) },
                cancellationToken: token).ResponseAsync,
            history => history.Series.Any(s => s.Code.Loinc == loinc && s.Points.Any(p => p.Max == value)),
            Patience);
}
