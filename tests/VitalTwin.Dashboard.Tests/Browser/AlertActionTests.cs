using Microsoft.Playwright;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.EndToEnd.Tests;
using static Microsoft.Playwright.Assertions;
using static VitalTwin.Dashboard.Tests.Browser.DashboardFixture;

namespace VitalTwin.Dashboard.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class AlertActionTests(DashboardFixture system)
{
    [Fact]
    public async Task Acknowledging_in_the_browser_puts_the_acknowledgement_with_the_signed_in_user_as_actor_on_the_alerts_topic()
    {
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var patient = await system.AdmitAsync("acknowledge", WardA, StableVitals);
        await system.SendAsync(patient, SickVitals);
        var (raised, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Patience);
        var page = await system.SignInAsync("Ada Acker", WardA);
        await using var session = page.Context;

        await page.GotoAsync($"/alerts/{WardA}");
        await Expect(page.GetByTestId("live-state")).ToHaveTextAsync("Live");
        var row = page.Locator($"[data-testid=alert][data-alert='{raised.AlertId}']");
        await row.GetByTestId("acknowledge").ClickAsync();
        await row.GetByTestId("action-text").FillAsync("At the bedside");
        await row.GetByTestId("confirm").ClickAsync();

        var (acknowledged, _) = await alerts.WaitForAsync(patient.PatientId, AlertAcknowledged.Parser, a => a.AlertId == raised.AlertId, Patience);
        Assert.Equal((SubjectOf("Ada Acker"), "At the bedside"), (acknowledged.AcknowledgedBy, acknowledged.Note));
        await Expect(row.GetByTestId("alert-state")).ToHaveTextAsync("Acknowledged");
    }
}
