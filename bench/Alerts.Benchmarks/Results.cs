namespace Alerts.Benchmarks;

/// <summary>The figures of one run, printed as one Markdown table per scenario, then the goals with whether this run met them.</summary>
public sealed class Results
{
    readonly List<(string Scenario, string Measure, double Value, string? Baseline, double? BaselineValue, double? PeakMegabytes)> _rows = [];
    readonly List<(string Measure, double Value, string Goal, bool Met)> _goals = [];

    public void Goal(string measure, double value, string goal, bool met) => _goals.Add((measure, value, goal, met));

    public void Add(string scenario, string measure, double value, string? baseline = null, double? baselineValue = null, double? peakMegabytes = null) =>
        _rows.Add((scenario, measure, value, baseline, baselineValue, peakMegabytes));

    public void Print()
    {
        foreach (var scenario in _rows.GroupBy(row => row.Scenario))
        {
            Console.WriteLine();
            Console.WriteLine($"### {scenario.Key}");
            Console.WriteLine();
            Console.WriteLine("| measure | figure | baseline (same run) | baseline figure | ratio | peak memory |");
            Console.WriteLine("| --- | ---: | --- | ---: | ---: | ---: |");
            foreach (var row in scenario)
            {
                var ratio = row.BaselineValue is { } baseline and > 0 ? $"{row.Value / baseline:0.00}" : "";
                Console.WriteLine($"| {row.Measure} | {row.Value:#,0.#} | {row.Baseline} | {row.BaselineValue:#,0.#} | {ratio} | {(row.PeakMegabytes is { } peak ? $"{peak:0} MB" : "")} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"### goals: {_goals.Count(goal => goal.Met)} of {_goals.Count} met");
        Console.WriteLine();
        Console.WriteLine("| goal | figure | aim | met |");
        Console.WriteLine("| --- | ---: | --- | --- |");
        foreach (var goal in _goals)
        {
            Console.WriteLine($"| {goal.Measure} | {goal.Value:#,0.00#} | {goal.Goal} | {(goal.Met ? "met" : "MISSED")} |");
        }
    }
}
