package telemetry

import "github.com/prometheus/client_golang/prometheus"

// Gauge is one family read at scrape time: its values by label values (one value and no labels
// for a plain gauge).
type Gauge struct {
	Name, Help string
	Labels     []string
	Counter    bool // a count that only grows, read from a counter kept elsewhere
	Read       func() []Sample
}

// Sample is one value of a Gauge with its label values.
type Sample struct {
	Labels []string
	Value  float64
}

// Probe collects Gauges when Prometheus scrapes: figures that live elsewhere (the hub's
// subscriber counts, the outbox's depth) are read then, never kept up to date in between.
type Probe struct {
	gauges []Gauge
	descs  []*prometheus.Desc
}

// NewProbe makes a collector of gs, to register with Metrics.Registry.
func NewProbe(gs ...Gauge) *Probe {
	p := &Probe{gauges: gs}
	for _, g := range gs {
		p.descs = append(p.descs, prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", g.Name), g.Help, g.Labels, nil))
	}
	return p
}

// Describe implements prometheus.Collector.
func (p *Probe) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range p.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (p *Probe) Collect(ch chan<- prometheus.Metric) {
	for i, g := range p.gauges {
		kind := prometheus.GaugeValue
		if g.Counter {
			kind = prometheus.CounterValue
		}
		for _, s := range g.Read() {
			ch <- prometheus.MustNewConstMetric(p.descs[i], kind, s.Value, s.Labels...)
		}
	}
}
