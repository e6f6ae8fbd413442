using System.Globalization;

namespace VitalTwin.Nab.Corpus;

/// <summary>A NAB CSV (data or results file): a header row and unquoted comma-separated fields.</summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;
    private readonly List<string[]> _rows;

    private CsvTable(Dictionary<string, int> columns, List<string[]> rows)
    {
        _columns = columns;
        _rows = rows;
    }

    public int RowCount => _rows.Count;

    public static CsvTable Read(string path)
    {
        using var reader = new StreamReader(path);
        string header = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty.");
        var columns = header.Split(',')
            .Select((name, index) => (name: name.Trim(), index))
            .ToDictionary(c => c.name, c => c.index, StringComparer.Ordinal);
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split(',');
            if (fields.Length != columns.Count)
            {
                throw new InvalidDataException($"{path}: row {rows.Count + 1} has {fields.Length} fields, the header {columns.Count}.");
            }

            rows.Add(fields);
        }

        return new CsvTable(columns, rows);
    }

    public bool HasColumn(string name) => _columns.ContainsKey(name);

    public string[] Strings(string column)
    {
        int index = ColumnIndex(column);
        return _rows.Select(row => row[index]).ToArray();
    }

    public double[] Doubles(string column)
    {
        int index = ColumnIndex(column);
        return _rows.Select(row => double.Parse(row[index], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
    }

    public DateTime[] Timestamps(string column = "timestamp") => Strings(column).Select(NabTimestamp.Parse).ToArray();

    private int ColumnIndex(string column) =>
        _columns.TryGetValue(column, out int index) ? index : throw new InvalidDataException($"No column \"{column}\".");
}
