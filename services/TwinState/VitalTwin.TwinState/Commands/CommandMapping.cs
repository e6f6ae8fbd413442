using Contract = VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.TwinState.Commands;

/// <summary>What a command carries, contract to domain; a value the contract does not know breaks it (<see cref="InvalidDataException"/>).</summary>
internal static class CommandMapping
{
    /// <summary>The context a command sets, recorded by its actor when it was issued (the message's own recorded_by and recorded_at are ignored).</summary>
    public static Core.PatientContext ToDomain(this Contract.PatientContext context, string actor, DateTimeOffset issuedAt) => new(
        context.HasOnSupplementalOxygen ? context.OnSupplementalOxygen : null,
        context.Spo2Scale switch
        {
            Contract.SpO2Scale.Unspecified or Contract.SpO2Scale.Scale1 => Clinical.SpO2Scale.Scale1,
            Contract.SpO2Scale.Scale2 => Clinical.SpO2Scale.Scale2,
            _ => throw new InvalidDataException("The context's SpO2 scale is not a known one."),
        },
        context.Consciousness switch
        {
            Contract.Consciousness.Unspecified => null,
            Contract.Consciousness.Alert => Clinical.Consciousness.Alert,
            Contract.Consciousness.NewConfusion => Clinical.Consciousness.NewConfusion,
            Contract.Consciousness.Voice => Clinical.Consciousness.Voice,
            Contract.Consciousness.Pain => Clinical.Consciousness.Pain,
            Contract.Consciousness.Unresponsive => Clinical.Consciousness.Unresponsive,
            _ => throw new InvalidDataException("The context's consciousness is not a known level."),
        },
        context.Ward.Length == 0 ? null : context.Ward,
        context.Bed.Length == 0 ? null : context.Bed,
        actor,
        issuedAt);

    public static Core.AnomalyVerdict ToDomain(this Contract.AnomalyVerdict verdict) => verdict switch
    {
        Contract.AnomalyVerdict.Unspecified => Core.AnomalyVerdict.Unspecified,
        Contract.AnomalyVerdict.Real => Core.AnomalyVerdict.Real,
        Contract.AnomalyVerdict.FalseAlarm => Core.AnomalyVerdict.FalseAlarm,
        _ => throw new InvalidDataException("The acknowledgement's verdict is not a known one."),
    };

    public static Contract.AnomalyVerdict ToContract(this Core.AnomalyVerdict verdict) => verdict switch
    {
        Core.AnomalyVerdict.Real => Contract.AnomalyVerdict.Real,
        Core.AnomalyVerdict.FalseAlarm => Contract.AnomalyVerdict.FalseAlarm,
        _ => Contract.AnomalyVerdict.Unspecified,
    };
}
