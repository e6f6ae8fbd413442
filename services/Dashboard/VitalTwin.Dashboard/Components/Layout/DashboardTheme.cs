using MudBlazor;

namespace VitalTwin.Dashboard.Components.Layout;

/// <summary>A calm, high-contrast theme: colour is kept for alarm priorities, which IEC 60601-1-8 assigns.</summary>
internal static class DashboardTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f4e79",
            AppbarBackground = "#1f4e79",
            Background = "#f4f6f8",
            TextPrimary = "#1a1a1a",
            TextSecondary = "#424242",
        },
    };
}
