using VitalTwin.Clinical.Settings;

namespace VitalTwin.Clinical.Tests;

public class AlarmSettingsTests
{
    private static readonly DateTimeOffset SetAt = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private static readonly SettingProvenance Day = new("athlete", "dr-ito", SetAt, SetAt.AddHours(24));
    private static readonly SettingProvenance Hour = new("watch closely", "dr-ito", SetAt, SetAt.AddHours(1));

    [Fact]
    public void A_change_replaces_the_vitals_it_sets_drops_those_it_clears_and_keeps_the_rest()
    {
        var settings = new AlarmSettings(
            [Setting(VitalSign.HeartRate, 35, null, Day), Setting(VitalSign.RespiratoryRate, null, 28, Day)],
            SpO2Scale2: Day);

        var changed = settings.With(
            new AlarmSettingsChange([Setting(VitalSign.HeartRate, 38, 140, Hour)], [VitalSign.RespiratoryRate], ClearSpO2Scale2: true),
            version: 7,
            SetAt.AddMinutes(5));

        Assert.Equal(38, Assert.Single(changed.Vitals).LowLimit);
        Assert.Equal(Hour, changed.For(VitalSign.HeartRate)!.Provenance);
        Assert.Null(changed.For(VitalSign.RespiratoryRate));
        Assert.Null(changed.SpO2Scale2);
        Assert.Equal((7L, SetAt.AddMinutes(5)), (changed.Version, changed.UpdatedAt));
    }

    [Fact]
    public void Settings_are_in_force_until_their_own_expiry()
    {
        var settings = new AlarmSettings([Setting(VitalSign.HeartRate, 35, null, Day), Setting(VitalSign.BodyTemperature, 34.5, null, Hour)], SpO2Scale2: Hour);

        Assert.Same(settings, settings.InForceAt(Hour.ExpiresAt.AddTicks(-1)));
        var later = settings.InForceAt(Hour.ExpiresAt);

        Assert.Equal(VitalSign.HeartRate, Assert.Single(later.Vitals).Sign);
        Assert.Null(later.SpO2Scale2);
        Assert.True(settings.InForceAt(Day.ExpiresAt).IsEmpty);
    }

    [Theory]
    [InlineData(112, 125, true)]   // up across the high limit
    [InlineData(125, 112, true)]   // back below it
    [InlineData(121, 125, false)]  // beyond it throughout
    [InlineData(100, 112, false)]  // under it throughout
    [InlineData(double.NaN, 125, true)]   // the first scored value already beyond it
    [InlineData(50, 40, true)]     // down across the low limit
    public void A_move_crosses_a_limit_only_when_it_changes_side(double before, double after, bool crosses)
    {
        var settings = new AlarmSettings([Setting(VitalSign.HeartRate, 45, 120, Day)]);

        Assert.Equal(crosses, settings.CrossesLimit(VitalSign.HeartRate, before, after));
        Assert.False(settings.CrossesLimit(VitalSign.RespiratoryRate, before, after));
        Assert.False(AlarmSettings.None.CrossesLimit(VitalSign.HeartRate, before, after));
    }

    [Fact]
    public void Bounds_refuse_a_limit_beyond_them_naming_it_and_allow_one_within()
    {
        var bounds = new SettingsBounds();
        var catalogue = VitalCatalogue.Default;

        Assert.Null(bounds.Violation(Setting(VitalSign.OxygenSaturation, 85, null, Day), catalogue));
        Assert.Contains("may not be under 85", bounds.Violation(Setting(VitalSign.OxygenSaturation, 84, null, Day), catalogue), StringComparison.Ordinal);
        Assert.Contains("may not be over 160", bounds.Violation(Setting(VitalSign.HeartRate, null, 161, Day), catalogue), StringComparison.Ordinal);
        Assert.Contains("must be under its high limit", bounds.Violation(Setting(VitalSign.HeartRate, 100, 100, Day), catalogue), StringComparison.Ordinal);
        Assert.Contains("hold time", bounds.Violation(Setting(VitalSign.HeartRate, 35, null, Day) with { HoldTime = TimeSpan.FromMinutes(3) }, catalogue), StringComparison.Ordinal);
        Assert.Contains("may not be under", bounds.Violation(Setting(VitalSign.HeartRate, double.NaN, null, Day), catalogue), StringComparison.Ordinal);
        Assert.Null(bounds.ValidityViolation(TimeSpan.FromHours(72)));
        Assert.NotNull(bounds.ValidityViolation(TimeSpan.FromHours(72).Add(TimeSpan.FromTicks(1))));
        Assert.NotNull(bounds.ValidityViolation(TimeSpan.Zero));
    }

    private static VitalAlarmSetting Setting(VitalSign sign, double? low, double? high, SettingProvenance provenance) =>
        new(sign, low, high, TimeSpan.Zero, DetectorSensitivity.Standard, provenance);
}
