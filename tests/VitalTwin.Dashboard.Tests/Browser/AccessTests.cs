using System.Globalization;
using static Microsoft.Playwright.Assertions;
using static VitalTwin.Dashboard.Tests.Browser.DashboardFixture;

namespace VitalTwin.Dashboard.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class AccessTests(DashboardFixture system)
{
    [Fact]
    public async Task A_ward_a_clinician_who_types_a_ward_b_patients_address_sees_a_problem_and_none_of_the_patients_values()
    {
        var page = await system.SignInAsync("Wren Ward", WardA);
        await using var session = page.Context;
        // Their own ward's patient, by the same kind of address, shows.
        await page.GotoAsync(PatientPath(system.WardAPatient.PatientId));
        await Expect(page.GetByTestId("news2")).ToBeVisibleAsync();

        await page.GotoAsync(PatientPath(system.WardBPatient.PatientId));
        await Expect(page.GetByTestId("problem")).ToBeVisibleAsync();
        var shown = await page.Locator("main").InnerTextAsync();

        Assert.Equal(0, await page.GetByTestId("news2").CountAsync());
        Assert.Equal(0, await page.GetByTestId("vital-value").CountAsync());
        Assert.DoesNotContain(WardBSystolic.ToString(CultureInfo.InvariantCulture), shown, StringComparison.Ordinal);
        Assert.DoesNotContain(WardB, shown, StringComparison.Ordinal);
    }

    internal static string PatientPath(string patientId) => $"/patients/{Uri.EscapeDataString(patientId)}";
}
