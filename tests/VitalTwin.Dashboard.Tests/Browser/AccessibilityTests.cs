using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static VitalTwin.Dashboard.Tests.Browser.DashboardFixture;

namespace VitalTwin.Dashboard.Tests.Browser;

/// <summary>axe-core on every view, against WCAG 2.1 A and AA; each view's screenshot goes to artifacts/dashboard/.</summary>
[Collection(DashboardCollection.Name)]
public sealed class AccessibilityTests(DashboardFixture system)
{
    [Theory]
    [InlineData("local-sign-in")]
    [InlineData("wards-home")]
    [InlineData("ward-overview")]
    [InlineData("patient")]
    [InlineData("alerts")]
    public async Task A_view_has_no_serious_or_critical_wcag_2_1_aa_violation(string view)
    {
        var page = await OpenAsync(view);
        await using var session = page.Context;
        await ScreenshotAsync(page, view);

        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });

        var serious = result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Impact} {v.Id}: {v.Help} at {string.Join("; ", v.Nodes.Select(n => n.Target.ToString()))}")
            .ToList();
        Assert.True(serious.Count == 0, $"{view}: {string.Join(Environment.NewLine, serious)}");
        // axe ran on the view, not on an error or sign-in page that happened to be clean.
        Assert.NotEmpty(result.Passes);
    }

    private async Task<IPage> OpenAsync(string view)
    {
        if (view == "local-sign-in")
        {
            var context = await system.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = system.Dashboard.ToString() });
            var signIn = await context.NewPageAsync();
            await signIn.GotoAsync("/local-sign-in");
            await Expect(signIn.GetByRole(AriaRole.Heading, new() { Name = "Local sign-in" })).ToBeVisibleAsync();
            return signIn;
        }
        var page = await system.SignInAsync("Axel Access", WardA);
        switch (view)
        {
            case "ward-overview":
                await page.GotoAsync($"/wards/{WardA}");
                await Expect(page.GetByTestId("live-state")).ToHaveTextAsync("Live");
                await Expect(page.Locator($"[data-testid=tile][data-patient='{system.SickWardAPatient.PatientId}'] [data-testid=tile-alert]")).ToBeVisibleAsync();
                break;
            case "patient":
                await page.GotoAsync(AccessTests.PatientPath(system.SickWardAPatient.PatientId));
                await Expect(page.GetByTestId("news2").First).ToBeVisibleAsync();
                break;
            case "alerts":
                await page.GotoAsync($"/alerts/{WardA}");
                await Expect(page.GetByTestId("live-state")).ToHaveTextAsync("Live");
                await Expect(page.GetByTestId("alert").First).ToBeVisibleAsync();
                break;
            default:
                await Expect(page.GetByTestId("ward-list")).ToBeVisibleAsync();
                break;
        }
        return page;
    }
}
