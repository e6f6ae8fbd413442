using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VitalTwin.Clinical;

/// <summary>Looks vitals up by LOINC or MDC code and validates incoming measurements.</summary>
public sealed class VitalCatalogue
{
    private readonly Dictionary<VitalSign, VitalDefinition> bySign;

    private VitalCatalogue(IReadOnlyList<VitalDefinition> definitions)
    {
        All = definitions;
        bySign = definitions.ToDictionary(d => d.Sign);
    }

    /// <summary>Heart rate, SpO₂, respiratory rate, systolic blood pressure and body temperature.</summary>
    public static VitalCatalogue Default { get; } = new(
    [
        new VitalDefinition(VitalSign.HeartRate, "heart rate", "8867-4", "MDC_ECG_HEART_RATE", "/min", 0, 300)
        {
            MdcAliases = ["MDC_PULS_OXIM_PULS_RATE"],
            AlternativeUnits = [new UnitConversion("{beats}/min", 0, 1)],
        },
        new VitalDefinition(VitalSign.OxygenSaturation, "oxygen saturation", "59408-5", "MDC_PULS_OXIM_SAT_O2", "%", 0, 100)
        {
            LoincAliases = ["2708-6"],
        },
        new VitalDefinition(VitalSign.RespiratoryRate, "respiratory rate", "9279-1", "MDC_RESP_RATE", "/min", 0, 100)
        {
            AlternativeUnits = [new UnitConversion("{breaths}/min", 0, 1)],
        },
        new VitalDefinition(VitalSign.SystolicBloodPressure, "systolic blood pressure", "8480-6", "MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", 20, 300)
        {
            AlternativeUnits = [new UnitConversion("kPa", 0, 7.50062)],
        },
        new VitalDefinition(VitalSign.BodyTemperature, "body temperature", "8310-5", "MDC_TEMP_BODY", "Cel", 25, 45)
        {
            AlternativeUnits =
            [
                new UnitConversion("[degF]", -32, 5.0 / 9.0),
                new UnitConversion("K", -273.15, 1),
            ],
        },
    ]);

    public IReadOnlyList<VitalDefinition> All { get; }

    public VitalDefinition this[VitalSign sign] =>
        bySign.TryGetValue(sign, out var definition)
            ? definition
            : throw new KeyNotFoundException($"The catalogue has no {sign}.");

    /// <summary>
    /// Finds a vital by LOINC, MDC or both; when both are given they must name the same vital.
    /// Codes match exactly; null or blank means not given.
    /// </summary>
    public bool TryFind(string? loinc, string? mdc, [NotNullWhen(true)] out VitalDefinition? definition)
    {
        definition = null;
        var hasLoinc = !string.IsNullOrWhiteSpace(loinc);
        var hasMdc = !string.IsNullOrWhiteSpace(mdc);
        if (!hasLoinc && !hasMdc)
        {
            return false;
        }

        var byLoinc = hasLoinc ? All.FirstOrDefault(d => d.HasLoinc(loinc!)) : null;
        var byMdc = hasMdc ? All.FirstOrDefault(d => d.HasMdc(mdc!)) : null;
        if ((hasLoinc && byLoinc is null) || (hasMdc && byMdc is null))
        {
            return false;
        }

        if (byLoinc is not null && byMdc is not null && byLoinc.Sign != byMdc.Sign)
        {
            return false;
        }

        definition = byLoinc ?? byMdc;
        return definition is not null;
    }

    /// <summary>
    /// Identifies the vital, normalises the value to the canonical unit and checks plausibility,
    /// in that order: NaN/Infinity, code, unit, range.
    /// </summary>
    public CatalogueCheck Check(string? loinc, string? mdc, double value, string? unit)
    {
        if (!double.IsFinite(value))
        {
            return new(CatalogueVerdict.NotANumber, null, double.NaN, "value is not a finite number");
        }

        if (!TryFind(loinc, mdc, out var definition))
        {
            return new(CatalogueVerdict.UnknownVital, null, double.NaN, DescribeUnknownVital(loinc, mdc));
        }

        if (!definition.TryToCanonical(value, unit, out var canonical))
        {
            return new(
                CatalogueVerdict.UnknownUnit,
                definition,
                double.NaN,
                $"{definition.Name} unit must be one of {string.Join(", ", definition.AcceptedUnits)}");
        }

        if (!definition.IsPlausible(canonical))
        {
            return new(
                CatalogueVerdict.OutOfRange,
                definition,
                canonical,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{definition.Name} outside {definition.PhysiologicalMin}-{definition.PhysiologicalMax} {definition.CanonicalUnit}"));
        }

        return new(CatalogueVerdict.Accepted, definition, canonical, $"{definition.Name} accepted");
    }

    private string DescribeUnknownVital(string? loinc, string? mdc)
    {
        var hasLoinc = !string.IsNullOrWhiteSpace(loinc);
        var hasMdc = !string.IsNullOrWhiteSpace(mdc);
        if (!hasLoinc && !hasMdc)
        {
            return "no LOINC or MDC code given";
        }

        if (hasLoinc && hasMdc && TryFind(loinc, null, out _) && TryFind(null, mdc, out _))
        {
            return "LOINC and MDC codes name different vitals";
        }

        return "code names no known vital";
    }
}
