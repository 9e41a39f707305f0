using Pool.Bench.Harness;
using Pool.Bench.Scenarios;

namespace Pool.Bench;

/// <summary>Every scenario, in the order they run, and the Pool/peer ratios computed from them.</summary>
public static class Catalog
{
    public static IReadOnlyList<IScenario> Select(string[] only, string[] compare)
    {
        var all = new List<IScenario>
        {
            new SupervisionScenario(),
            new StubbornScenario(),
            new IdleScenario(),
            new ManyChildrenScenario(10),
            new ManyChildrenScenario(200),
        };
        return only.Length == 0 ? all : all.Where(s => only.Contains(s.Id)).ToList();
    }

    public static IEnumerable<Summary> Ratios(IReadOnlyList<Summary> summaries) => [];
}
