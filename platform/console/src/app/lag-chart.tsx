import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { HistoryPoint } from './api';

const WIDTH = 360;
const HEIGHT = 140;

/** Lag and replicas over the last minutes (uPlot), redrawn on every sample. */
export function LagChart({ history }: { history: HistoryPoint[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  const data = (): uPlot.AlignedData => [history.map((p) => p.at / 1000), history.map((p) => p.lag), history.map((p) => p.replicas)];

  useEffect(() => {
    if (!host.current) return;
    plot.current = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        legend: { show: true },
        scales: { x: { time: true }, replicas: { range: (_u, _min, max) => [0, Math.max(3, max + 1)] } },
        series: [
          {},
          { label: 'lag', stroke: '#d9480f', width: 2, scale: 'y' },
          { label: 'replicas', stroke: '#1c7ed6', width: 2, scale: 'replicas', paths: uPlot.paths.stepped?.({ align: 1 }) },
        ],
        axes: [{}, { scale: 'y', size: 40 }, { scale: 'replicas', side: 1, size: 30 }],
      },
      data(),
      host.current,
    );
    return () => plot.current?.destroy();
  }, []);

  useEffect(() => {
    plot.current?.setData(data());
  }, [history]);

  return <div class="chart" ref={host} />;
}
