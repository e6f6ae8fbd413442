namespace VitalTwin.Clinical.Tests;

public class VitalCatalogueTests
{
    private static readonly VitalCatalogue Catalogue = VitalCatalogue.Default;

    [Fact]
    public void Default_holds_the_five_vitals_once_each()
    {
        Assert.Equal(Enum.GetValues<VitalSign>(), Catalogue.All.Select(d => d.Sign));
        Assert.All(Enum.GetValues<VitalSign>(), sign => Assert.Equal(sign, Catalogue[sign].Sign));
    }

    [Theory]
    [InlineData(VitalSign.HeartRate, "8867-4", "MDC_ECG_HEART_RATE", "/min", 0, 300)]
    [InlineData(VitalSign.OxygenSaturation, "59408-5", "MDC_PULS_OXIM_SAT_O2", "%", 0, 100)]
    [InlineData(VitalSign.RespiratoryRate, "9279-1", "MDC_RESP_RATE", "/min", 0, 100)]
    [InlineData(VitalSign.SystolicBloodPressure, "8480-6", "MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", 20, 300)]
    [InlineData(VitalSign.BodyTemperature, "8310-5", "MDC_TEMP_BODY", "Cel", 25, 45)]
    public void Definitions_carry_codes_units_and_limits(
        VitalSign sign, string loinc, string mdc, string unit, double min, double max)
    {
        var definition = Catalogue[sign];

        Assert.Equal((loinc, mdc, unit, min, max), (definition.Loinc, definition.Mdc, definition.CanonicalUnit, definition.PhysiologicalMin, definition.PhysiologicalMax));
    }

    [Theory]
    [InlineData("8867-4", VitalSign.HeartRate)]
    [InlineData("59408-5", VitalSign.OxygenSaturation)]
    [InlineData("2708-6", VitalSign.OxygenSaturation)]
    [InlineData("9279-1", VitalSign.RespiratoryRate)]
    [InlineData("8480-6", VitalSign.SystolicBloodPressure)]
    [InlineData("8310-5", VitalSign.BodyTemperature)]
    public void Finds_by_loinc(string loinc, VitalSign expected)
    {
        Assert.True(Catalogue.TryFind(loinc, null, out var definition));
        Assert.Equal(expected, definition.Sign);
    }

    [Theory]
    [InlineData("MDC_ECG_HEART_RATE", VitalSign.HeartRate)]
    [InlineData("MDC_PULS_OXIM_PULS_RATE", VitalSign.HeartRate)]
    [InlineData("MDC_PULS_OXIM_SAT_O2", VitalSign.OxygenSaturation)]
    [InlineData("MDC_RESP_RATE", VitalSign.RespiratoryRate)]
    [InlineData("MDC_PRESS_BLD_NONINV_SYS", VitalSign.SystolicBloodPressure)]
    [InlineData("MDC_TEMP_BODY", VitalSign.BodyTemperature)]
    public void Finds_by_mdc(string mdc, VitalSign expected)
    {
        Assert.True(Catalogue.TryFind(null, mdc, out var definition));
        Assert.Equal(expected, definition.Sign);
    }

    [Theory]
    [InlineData("8867-4", "MDC_ECG_HEART_RATE", VitalSign.HeartRate)]
    [InlineData("8867-4", "MDC_PULS_OXIM_PULS_RATE", VitalSign.HeartRate)]
    [InlineData("2708-6", "MDC_PULS_OXIM_SAT_O2", VitalSign.OxygenSaturation)]
    [InlineData("8310-5", "MDC_TEMP_BODY", VitalSign.BodyTemperature)]
    public void Finds_by_both_codes_when_they_agree(string loinc, string mdc, VitalSign expected)
    {
        Assert.True(Catalogue.TryFind(loinc, mdc, out var definition));
        Assert.Equal(expected, definition.Sign);
    }

    [Theory]
    [InlineData("8867-4", "MDC_RESP_RATE")]
    [InlineData("59408-5", "MDC_PULS_OXIM_PULS_RATE")]
    [InlineData("0000-0", "MDC_ECG_HEART_RATE")]
    [InlineData("8867-4", "MDC_NOT_A_CODE")]
    [InlineData("0000-0", null)]
    [InlineData(null, "MDC_NOT_A_CODE")]
    [InlineData(null, null)]
    [InlineData("", " ")]
    [InlineData(null, "mdc_ecg_heart_rate")]
    public void Does_not_find_conflicting_unknown_or_absent_codes(string? loinc, string? mdc)
    {
        Assert.False(Catalogue.TryFind(loinc, mdc, out var definition));
        Assert.Null(definition);
    }

    [Theory]
    [InlineData("8867-4", null, 72, "/min", VitalSign.HeartRate, 72)]
    [InlineData(null, "MDC_PULS_OXIM_PULS_RATE", 72, "{beats}/min", VitalSign.HeartRate, 72)]
    [InlineData("2708-6", null, 97, "%", VitalSign.OxygenSaturation, 97)]
    [InlineData("9279-1", null, 16, "/min", VitalSign.RespiratoryRate, 16)]
    [InlineData(null, "MDC_RESP_RATE", 16, "{breaths}/min", VitalSign.RespiratoryRate, 16)]
    [InlineData("8480-6", null, 120, "mm[Hg]", VitalSign.SystolicBloodPressure, 120)]
    [InlineData("8480-6", null, 16, "kPa", VitalSign.SystolicBloodPressure, 120.00992)]
    [InlineData("8310-5", null, 37, "Cel", VitalSign.BodyTemperature, 37)]
    [InlineData("8310-5", null, 98.6, "[degF]", VitalSign.BodyTemperature, 37)]
    [InlineData(null, "MDC_TEMP_BODY", 310.15, "K", VitalSign.BodyTemperature, 37)]
    public void Accepts_and_normalises_to_the_canonical_unit(
        string? loinc, string? mdc, double value, string unit, VitalSign sign, double canonical)
    {
        var check = Catalogue.Check(loinc, mdc, value, unit);

        Assert.Equal(CatalogueVerdict.Accepted, check.Verdict);
        Assert.True(check.IsAccepted);
        Assert.Equal(sign, check.Definition?.Sign);
        Assert.Equal(canonical, check.CanonicalValue, 1e-9);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_values_are_not_a_number_before_anything_else(double value)
    {
        var check = Catalogue.Check("0000-0", null, value, "mmHg");

        Assert.Equal(CatalogueVerdict.NotANumber, check.Verdict);
        Assert.Null(check.Definition);
        Assert.True(double.IsNaN(check.CanonicalValue));
    }

    [Theory]
    [InlineData("0000-0", null)]
    [InlineData(null, null)]
    [InlineData("8867-4", "MDC_TEMP_BODY")]
    public void Unknown_or_conflicting_codes_are_unknown_vital_before_the_unit_is_looked_at(string? loinc, string? mdc)
    {
        var check = Catalogue.Check(loinc, mdc, 72, "mmHg");

        Assert.Equal(CatalogueVerdict.UnknownVital, check.Verdict);
        Assert.Null(check.Definition);
        Assert.False(string.IsNullOrWhiteSpace(check.Detail));
    }

    [Fact]
    public void Conflicting_codes_say_so()
    {
        var check = Catalogue.Check("8867-4", "MDC_TEMP_BODY", 72, "/min");

        Assert.Equal("LOINC and MDC codes name different vitals", check.Detail);
    }

    [Theory]
    [InlineData("8480-6", "mmHg")]
    [InlineData("8480-6", "mm[hg]")]
    [InlineData("8480-6", "KPA")]
    [InlineData("8310-5", "cel")]
    [InlineData("8310-5", "[degC]")]
    [InlineData("8310-5", "°F")]
    [InlineData("8867-4", "bpm")]
    [InlineData("8867-4", "{breaths}/min")]
    [InlineData("59408-5", "/min")]
    [InlineData("8867-4", "")]
    [InlineData("8867-4", null)]
    public void Units_that_are_not_accepted_ucum_for_the_vital_are_unknown_before_range(string loinc, string? unit)
    {
        var check = Catalogue.Check(loinc, null, 1e6, unit);

        Assert.Equal(CatalogueVerdict.UnknownUnit, check.Verdict);
        Assert.Equal(loinc, check.Definition?.Loinc);
        Assert.True(double.IsNaN(check.CanonicalValue));
    }

    [Fact]
    public void Unknown_unit_detail_lists_the_accepted_units()
    {
        var check = Catalogue.Check("8310-5", null, 37, "mmHg");

        Assert.Equal("body temperature unit must be one of Cel, [degF], K", check.Detail);
    }

    [Theory]
    [InlineData(VitalSign.HeartRate, "/min", 0, 300)]
    [InlineData(VitalSign.OxygenSaturation, "%", 0, 100)]
    [InlineData(VitalSign.RespiratoryRate, "/min", 0, 100)]
    [InlineData(VitalSign.SystolicBloodPressure, "mm[Hg]", 20, 300)]
    [InlineData(VitalSign.BodyTemperature, "Cel", 25, 45)]
    public void Limits_are_inclusive_at_both_edges(VitalSign sign, string unit, double min, double max)
    {
        var loinc = Catalogue[sign].Loinc;
        const double Step = 1e-6;

        Assert.Equal(CatalogueVerdict.Accepted, Catalogue.Check(loinc, null, min, unit).Verdict);
        Assert.Equal(CatalogueVerdict.Accepted, Catalogue.Check(loinc, null, max, unit).Verdict);
        Assert.Equal(CatalogueVerdict.OutOfRange, Catalogue.Check(loinc, null, min - Step, unit).Verdict);
        Assert.Equal(CatalogueVerdict.OutOfRange, Catalogue.Check(loinc, null, max + Step, unit).Verdict);
    }

    [Fact]
    public void Range_is_checked_on_the_canonical_value()
    {
        var freezing = Catalogue.Check("8310-5", null, 32, "[degF]");
        var hot = Catalogue.Check("8310-5", null, 115, "[degF]");
        var plausible = Catalogue.Check("8310-5", null, 104, "[degF]");

        Assert.Equal(CatalogueVerdict.OutOfRange, freezing.Verdict);
        Assert.Equal(0, freezing.CanonicalValue, 1e-9);
        Assert.Equal(CatalogueVerdict.OutOfRange, hot.Verdict);
        Assert.Equal(46.111111111, hot.CanonicalValue, 1e-6);
        Assert.Equal(CatalogueVerdict.Accepted, plausible.Verdict);
        Assert.Equal(40, plausible.CanonicalValue, 1e-9);
    }

    [Fact]
    public void Out_of_range_detail_names_the_limits_and_never_the_value()
    {
        var check = Catalogue.Check("8867-4", null, 312.5, "/min");

        Assert.Equal(CatalogueVerdict.OutOfRange, check.Verdict);
        Assert.Equal("heart rate outside 0-300 /min", check.Detail);
    }

    [Theory]
    [InlineData("8867-4", 987.654, "/min")]
    [InlineData("8867-4", 987.654, "mmHg")]
    [InlineData("8867-4", 87.654, "/min")]
    [InlineData("0000-0", 987.654, "/min")]
    public void Details_never_contain_the_value(string loinc, double value, string unit)
    {
        var detail = Catalogue.Check(loinc, null, value, unit).Detail;

        Assert.DoesNotContain("987", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("654", detail, StringComparison.Ordinal);
    }
}
