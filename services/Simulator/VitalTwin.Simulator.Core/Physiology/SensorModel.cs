using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Physiology;

/// <summary>
/// How a device measures: random error per reading, a fixed offset per device (two oximeters rarely agree to the
/// point), the device's resolution, and the range it can display.
/// </summary>
internal readonly record struct SensorModel(double Noise, double DeviceBias, int Decimals, double Min, double Max)
{
    private static readonly SensorModel[] BySign = Build();

    public static SensorModel For(VitalSign sign) => BySign[(int)sign];

    public double Measure(double trueValue, double bias, double standardNormal, double extraNoise = 0) =>
        Math.Round(Math.Clamp(trueValue + bias + ((Noise + extraNoise) * standardNormal), Min, Max), Decimals);

    private static SensorModel[] Build()
    {
        var table = new SensorModel[Enum.GetValues<VitalSign>().Length];
        table[(int)VitalSign.HeartRate] = new(1.2, 0, 0, 20, 250);
        table[(int)VitalSign.OxygenSaturation] = new(0.5, 0.7, 0, 50, 100);
        table[(int)VitalSign.RespiratoryRate] = new(0.8, 0.4, 0, 3, 60);
        table[(int)VitalSign.SystolicBloodPressure] = new(3, 2.5, 0, 50, 260);
        table[(int)VitalSign.BodyTemperature] = new(0.04, 0.1, 1, 33, 42.5);
        return table;
    }
}
