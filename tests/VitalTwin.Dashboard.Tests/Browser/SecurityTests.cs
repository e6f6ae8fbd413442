using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static VitalTwin.Dashboard.Tests.Browser.DashboardFixture;

namespace VitalTwin.Dashboard.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class SecurityTests(DashboardFixture system)
{
    [Fact]
    public async Task Every_response_of_every_view_forbids_framing_and_sniffing()
    {
        await using var context = await system.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = system.Dashboard.ToString() });
        var page = await context.NewPageAsync();
        // Responses still arrive (the circuit, late scripts) while the headers below are read: a queue, read as a snapshot.
        var responses = new System.Collections.Concurrent.ConcurrentQueue<IResponse>();
        page.Response += (_, response) =>
        {
            if (response.Url.StartsWith(system.Dashboard.ToString(), StringComparison.Ordinal))
            {
                responses.Enqueue(response);
            }
        };

        await page.GotoAsync("/local-sign-in");
        await FillSignInAsync(page, "Hedda Headers", WardA);
        await Expect(page.GetByTestId("ward-list")).ToBeVisibleAsync();
        foreach (var path in new[] { $"/wards/{WardA}", AccessTests.PatientPath(system.WardAPatient.PatientId), $"/alerts/{WardA}" })
        {
            await page.GotoAsync(path);
            await Expect(page.GetByTestId("live-state").Or(page.GetByTestId("news2")).First).ToBeVisibleAsync();
        }

        var missing = new List<string>();
        var seen = responses.ToArray();
        foreach (var response in seen)
        {
            var headers = await response.AllHeadersAsync();
            var policy = headers.GetValueOrDefault("content-security-policy", string.Empty);
            if (!policy.Contains("frame-ancestors 'none'", StringComparison.Ordinal) || headers.GetValueOrDefault("x-content-type-options") != "nosniff")
            {
                missing.Add($"{response.Status} {new Uri(response.Url).AbsolutePath}");
            }
        }
        // The views' documents, the framework's and the library's scripts and styles, the circuit's negotiation.
        Assert.True(seen.Length >= 10, $"only {seen.Length} responses seen");
        Assert.Empty(missing);
    }

    [Fact]
    public async Task A_sign_out_post_without_the_antiforgery_token_is_refused_and_the_page_s_own_sign_out_works()
    {
        var page = await system.SignInAsync("Sven Session", WardA);
        await using var session = page.Context;

        var forged = await page.APIRequest.PostAsync("/sign-out", new APIRequestContextOptions { Form = page.APIRequest.CreateFormData(), MaxRedirects = 0 });
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync("Sven Session");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/local-sign-in");
        await page.GotoAsync("/");

        Assert.Equal(400, forged.Status);
        // Signed out for real: the wards need signing in again.
        await Expect(page.GetByLabel("Your name")).ToBeVisibleAsync();
    }
}
