using System.Globalization;
using System.Text;

namespace SmtpTap.Bench.Report;

/// <summary>One section's results as a Markdown table: direct and tap medians (or another pair, named by the columns), ratio, target, verdict.</summary>
internal sealed class ResultTable(string title, string unit, string baseline = "direct", string measured = "tap")
{
    private readonly List<string[]> _rows = [];

    public void Add(string name, double direct, double tap, string ratio, string target, string verdict, string note = "") =>
        _rows.Add([name, Format(direct), Format(tap), ratio, target, verdict, note]);

    public static string Ratio(double tap, double direct) => double.IsNaN(tap) || double.IsNaN(direct) || direct == 0 ? "-" : (tap / direct).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Verdict(bool met) => met ? "MET" : "MISSED";

    public static string Format(double value) => double.IsNaN(value) ? "-" : value switch
    {
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };

    public void Print()
    {
        var text = new StringBuilder();
        text.Append("\n### ").Append(title).Append('\n').Append('\n');
        text.Append("| case | ").Append(baseline).Append(" (").Append(unit).Append(") | ").Append(measured).Append(" (").Append(unit).Append(") | ")
            .Append(measured).Append('/').Append(baseline).Append(" | target | verdict | notes |\n");
        text.Append("| --- | ---: | ---: | ---: | --- | --- | --- |\n");
        foreach (var row in _rows)
        {
            text.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        }

        Console.Out.Write(text.ToString());
        Console.Out.Flush();
    }
}
