using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Contracts.Telemetry.V1;
using Contract = VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.PersonalSettings;

/// <summary>Personal alarm settings between their contract (settings.proto) and the domain.</summary>
public static class AlarmSettingsMapping
{
    public static Contract.PatientAlarmSettings ToContract(this AlarmSettings settings, string patientId, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(catalogue);
        var contract = new Contract.PatientAlarmSettings
        {
            PatientId = patientId,
            Version = settings.Version,
            UpdatedAt = Timestamp.FromDateTimeOffset(settings.UpdatedAt),
            Spo2Scale2 = settings.SpO2Scale2?.ToContract(),
        };
        contract.Vitals.AddRange(settings.Vitals.Select(v => v.ToContract(catalogue)));
        return contract;
    }

    public static Contract.VitalAlarmSetting ToContract(this VitalAlarmSetting setting, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(catalogue);
        var definition = catalogue[setting.Sign];
        var contract = new Contract.VitalAlarmSetting
        {
            Code = new VitalCode { Loinc = definition.Loinc, Mdc = definition.Mdc },
            HoldTime = setting.HoldTime > TimeSpan.Zero ? Duration.FromTimeSpan(setting.HoldTime) : null,
            Sensitivity = (Contract.DetectorSensitivity)setting.Sensitivity,
            Provenance = setting.Provenance.ToContract(),
        };
        if (setting.LowLimit is { } low)
        {
            contract.LowLimit = low;
        }
        if (setting.HighLimit is { } high)
        {
            contract.HighLimit = high;
        }
        return contract;
    }

    public static Contract.SettingProvenance ToContract(this SettingProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        return new Contract.SettingProvenance
        {
            Reason = provenance.Reason,
            Author = provenance.Author,
            SetAt = Timestamp.FromDateTimeOffset(provenance.SetAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(provenance.ExpiresAt),
        };
    }

    /// <summary>The domain settings of a settings record; throws <see cref="InvalidDataException"/> for one that breaks the contract.</summary>
    public static AlarmSettings ToDomain(this Contract.PatientAlarmSettings contract, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return new AlarmSettings(
            [.. contract.Vitals.Select(v => v.ToDomain(catalogue, v.Provenance?.ToDomain() ?? throw new InvalidDataException("A vital's setting has no provenance.")))],
            contract.Spo2Scale2?.ToDomain(),
            contract.Version,
            contract.UpdatedAt?.ToDateTimeOffset() ?? default);
    }

    /// <summary>A vital's setting with the provenance given (a request's own is ignored); throws <see cref="InvalidDataException"/> for an unknown vital or sensitivity.</summary>
    public static VitalAlarmSetting ToDomain(this Contract.VitalAlarmSetting contract, VitalCatalogue catalogue, SettingProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(catalogue);
        return new VitalAlarmSetting(
            Sign(contract.Code, catalogue),
            contract.HasLowLimit ? contract.LowLimit : null,
            contract.HasHighLimit ? contract.HighLimit : null,
            contract.HoldTime?.ToTimeSpan() ?? TimeSpan.Zero,
            System.Enum.IsDefined((DetectorSensitivity)contract.Sensitivity) ? (DetectorSensitivity)contract.Sensitivity : throw new InvalidDataException("Unknown detector sensitivity."),
            provenance);
    }

    public static SettingProvenance ToDomain(this Contract.SettingProvenance contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return new SettingProvenance(
            contract.Reason,
            contract.Author,
            contract.SetAt?.ToDateTimeOffset() ?? throw new InvalidDataException("A setting has no time it was set."),
            contract.ExpiresAt?.ToDateTimeOffset() ?? throw new InvalidDataException("A setting has no expiry."));
    }

    /// <summary>The change with <paramref name="provenance"/> on everything it sets.</summary>
    public static AlarmSettingsChange ToDomain(this Contract.AlarmSettingsChange contract, VitalCatalogue catalogue, SettingProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return new AlarmSettingsChange(
            [.. contract.Set.Select(v => v.ToDomain(catalogue, provenance))],
            [.. contract.Clear.Select(code => Sign(code, catalogue))],
            contract.HasSpo2Scale2 && contract.Spo2Scale2 ? provenance : null,
            contract.HasSpo2Scale2 && !contract.Spo2Scale2);
    }

    /// <summary>The contract form of a domain change, provenance included (what the command topic carries).</summary>
    public static Contract.AlarmSettingsChange ToContract(this AlarmSettingsChange change, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(catalogue);
        var contract = new Contract.AlarmSettingsChange();
        contract.Set.AddRange(change.Set.Select(v => v.ToContract(catalogue)));
        contract.Clear.AddRange(change.Clear.Select(sign => new VitalCode { Loinc = catalogue[sign].Loinc, Mdc = catalogue[sign].Mdc }));
        if (change.SetSpO2Scale2 is not null || change.ClearSpO2Scale2)
        {
            contract.Spo2Scale2 = change.SetSpO2Scale2 is not null;
        }
        return contract;
    }

    private static VitalSign Sign(VitalCode? code, VitalCatalogue catalogue) =>
        catalogue.TryFind(code?.Loinc, code?.Mdc, out var definition)
            ? definition.Sign
            : throw new InvalidDataException("A setting names a vital the catalogue does not know.");
}
